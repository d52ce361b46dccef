package service_test

import (
	"context"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// TestOutboxSurvivesCrash: a user change saved with its pending audit
// event, then a crash before the event was appended: start-up appends it
// once, whatever happens after.
func TestOutboxSurvivesCrash(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newUsrService(t)
	users := svc.Users
	u, err := svc.CreateUser(ctx, nil, service.NewUser{Email: "wren@example.org", Name: "Wren", Password: "a-long-password-1", Roles: []string{"writer"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.PendingAudit != nil {
		t.Fatal("the outbox was not cleared after a clean save")
	}
	before, _ := svc.Log.Scan(ctx)

	// The crash: the change and its event are in the user document, the
	// log never saw the event.
	u.Roles = []string{"writer", "editor"}
	u.PendingAudit = &models.Event{Key: "x:crashed-change", At: models.Now(), Actor: "system", Action: models.ActionUserUpdate, Subject: u.ID,
		Data: models.EventData{Changes: map[string]string{"roles": "editor,writer"}}}
	if err := users.Put(ctx, u); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // two starts: appended once
		if _, err := svc.RecoverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := svc.Log.Scan(ctx)
	if len(after) != len(before)+1 || after[len(after)-1].Key != "x:crashed-change" {
		t.Fatalf("log went from %d to %d events; want the pending one appended once", len(before), len(after))
	}
	got, _ := users.Get(ctx, u.ID)
	if got.PendingAudit != nil {
		t.Fatal("outbox not cleared after recovery")
	}
	if res, _ := svc.Log.Verify(ctx); !res.OK {
		t.Fatalf("chain: %+v", res)
	}
}
