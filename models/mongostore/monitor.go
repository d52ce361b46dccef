package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
)

// Observer hears every database command's round trip: its name (find,
// insert, update…), how long it took and whether it failed.
type Observer interface {
	DBOp(command string, took time.Duration, failed bool)
}

// commandMonitor reports to obs through the driver's command events.
func commandMonitor(obs Observer) *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			obs.DBOp(e.CommandName, e.Duration, false)
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			obs.DBOp(e.CommandName, e.Duration, true)
		},
	}
}
