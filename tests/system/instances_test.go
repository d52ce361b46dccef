package system

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// twoInstances starts `vetted db` and two servers on it (A seeds the demo).
func twoInstances(t *testing.T) (db *proc, a, b *proc, dbAddr, dir string) {
	t.Helper()
	dir = t.TempDir()
	var env []string
	if testURI != "" { // make test-mongo: both on the given server
		env = dbEnv(t, dir)
	} else {
		dbAddr = freeAddr(t)
		db = startDB(t, dir, dbAddr)
		// One data dir for both servers' media and audit key (as a shared
		// volume would be); not the database's dir, and not ./data.
		env = []string{"MONGODB_URI=mongodb://" + dbAddr + "/", "VETTED_DATA_DIR=" + t.TempDir()}
	}
	a = startServer(t, append(env, "VETTED_DEMO=1", "VETTED_PUBLIC_DELIVERY=1")...)
	b = startServer(t, append(env, "VETTED_PUBLIC_DELIVERY=1")...)
	return
}

// TestInstancesKeepEveryGuard: concurrent edits and sign-offs spread over
// two processes on one database; of each race exactly one wins.
func TestInstancesKeepEveryGuard(t *testing.T) {
	_, a, b, _, _ := twoInstances(t)
	base := []string{a.URL, b.URL}
	writer := []string{login(t, a.URL, "writer@vetted.local"), login(t, b.URL, "writer@vetted.local")}
	clin := []string{login(t, a.URL, "clinician@vetted.local"), login(t, b.URL, "clinician@vetted.local")}
	editor := []string{login(t, a.URL, "editor@vetted.local"), login(t, b.URL, "editor@vetted.local")}

	art := create(t, a.URL, writer[0], "Two instances one article")
	for round := 0; round < 5; round++ {
		cur := get(t, b.URL, writer[1], art.ID)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				st, _, body := save(t, base[i%2], writer[i%2], cur, "Two instances one article", fmt.Sprintf("round %d writer %d", round, i))
				mu.Lock()
				defer mu.Unlock()
				switch st {
				case 200:
					wins++
				case 409:
					conflicts++
				default:
					t.Errorf("save: %d %s", st, body)
				}
			}(i)
		}
		wg.Wait()
		if wins != 1 || conflicts != 7 {
			t.Fatalf("round %d: %d wins, %d conflicts across two instances; want 1 and 7", round, wins, conflicts)
		}
	}

	// Submit, then race two sign-offs (one per instance) against an edit
	// by an editor: at most one of the three may win, and if the edit won
	// nothing may be approved.
	cur := get(t, a.URL, writer[0], art.ID)
	if st, _, body := transition(t, a.URL, writer[0], art.ID, map[string]any{"action": "submit"}); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	cur = get(t, b.URL, clin[1], art.ID)
	var wg sync.WaitGroup
	results := make([]int, 3)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], _, _ = transition(t, base[i], clin[i], art.ID, map[string]any{"action": "approve", "password": demoPassword, "contentHash": cur.ContentHash})
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		results[2], _, _ = transition(t, b.URL, writer[1], art.ID, map[string]any{"action": "withdraw"})
	}()
	wg.Wait()
	won := 0
	for _, st := range results {
		if st == 200 {
			won++
		} else if st != 409 {
			t.Fatalf("race answered %v; want only 200 and 409", results)
		}
	}
	if won != 1 {
		t.Fatalf("approve/approve/withdraw race: %v; want exactly one 200", results)
	}
	t.Logf("approve, approve, withdraw answered %v", results)
	final := get(t, a.URL, editor[0], art.ID)
	if results[2] == 200 && final.Status != "draft" || results[2] != 200 && final.Status != "approved" {
		t.Fatalf("after race %v the article is %s", results, final.Status)
	}

	// A publish on A is served by B's delivery within a second.
	if final.Status != "approved" {
		if st, _, body := transition(t, b.URL, writer[1], art.ID, map[string]any{"action": "submit"}); st != 200 {
			t.Fatalf("resubmit: %d %s", st, body)
		}
		final = get(t, b.URL, clin[1], art.ID)
		if st, _, body := transition(t, b.URL, clin[1], art.ID, map[string]any{"action": "approve", "password": demoPassword, "contentHash": final.ContentHash}); st != 200 {
			t.Fatalf("approve: %d %s", st, body)
		}
	}
	if st, _, body := transition(t, a.URL, editor[0], art.ID, map[string]any{"action": "publish"}); st != 200 {
		t.Fatalf("publish: %d %s", st, body)
	}
	t0 := time.Now()
	for {
		st, _, _ := call(t, "GET", b.URL+"/api/v1/articles/"+final.Slug, "", nil, nil, nil)
		if st == 200 {
			t.Logf("publish on A served by B after %s", time.Since(t0).Round(time.Millisecond))
			break
		}
		if time.Since(t0) > time.Second {
			t.Fatalf("B still answers %d a second after A published", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSessionRevokedOnEveryInstance: sign out on A and the token is dead
// on B at once; a role change on A ends the user's sessions on B.
func TestSessionRevokedOnEveryInstance(t *testing.T) {
	_, a, b, _, _ := twoInstances(t)
	tok := login(t, a.URL, "writer@vetted.local")
	if st, _, _ := call(t, "GET", b.URL+"/api/admin/me", tok, nil, nil, nil); st != 200 {
		t.Fatalf("token not accepted on B: %d", st)
	}
	if st, _, _ := call(t, "DELETE", a.URL+"/api/admin/session", tok, nil, nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _, _ := call(t, "GET", b.URL+"/api/admin/me", tok, nil, nil, nil); st != 401 {
		t.Fatalf("B accepts a signed-out token: %d", st)
	}

	tok = login(t, b.URL, "writer@vetted.local")
	admin := login(t, a.URL, "admin@vetted.local")
	var me struct {
		User struct{ ID string } `json:"user"`
	}
	call(t, "GET", b.URL+"/api/admin/me", tok, nil, nil, &me)
	if st, _, body := call(t, "PATCH", a.URL+"/api/admin/users/"+me.User.ID, admin, map[string]any{"roles": []string{"writer", "editor"}}, nil, nil); st != 200 {
		t.Fatalf("role change: %d %s", st, body)
	}
	if st, _, _ := call(t, "GET", b.URL+"/api/admin/me", tok, nil, nil, nil); st != 401 {
		t.Fatalf("B accepts a session from before a role change: %d", st)
	}
}
