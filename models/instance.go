package models

import "time"

// Instance is one running server's presence record: how far its delivery
// read model has applied the event log. A change to what is live is
// acknowledged, and its webhooks sent, once every live instance has
// applied it (delivery.Presence); an instance whose record is older than
// the presence timeout is taken for dead and not waited for.
type Instance struct {
	ID string `json:"id" bson:"_id"`
	// Applied is the sequence number up to which every event was applied
	// to the instance's delivery read model.
	Applied   int64     `json:"applied" bson:"applied"`
	At        time.Time `json:"at" bson:"at"`
	StartedAt time.Time `json:"startedAt" bson:"startedAt"`
}
