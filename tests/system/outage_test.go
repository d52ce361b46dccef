package system

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDatabaseOutage stops the database under a write and read load:
// delivery keeps serving published articles, management calls fail fast
// with 503 and Retry-After, /readyz says so, and when the database returns
// everything recovers without a restart and no acknowledged save is lost.
func TestDatabaseOutage(t *testing.T) {
	if testURI != "" {
		t.Skip("stops and restarts the database: the embedded one only")
	}
	dir := t.TempDir()
	dbAddr := freeAddr(t)
	db := startDB(t, dir, dbAddr)
	srv := startServer(t, "MONGODB_URI=mongodb://"+dbAddr+"/", "VETTED_DATA_DIR="+t.TempDir(), "VETTED_DEMO=1", "VETTED_PUBLIC_DELIVERY=1")
	writer := login(t, srv.URL, "writer@vetted.local")
	var list struct {
		Items []struct{ Slug string } `json:"items"`
	}
	if st, _, b := call(t, "GET", srv.URL+"/api/v1/articles", "", nil, nil, &list); st != 200 || len(list.Items) == 0 {
		t.Fatalf("delivery list before the outage: %d %s", st, b)
	}
	slug := list.Items[0].Slug

	art := create(t, srv.URL, writer, "Saved through an outage")
	var (
		mu    sync.Mutex
		acked []string // bodies the server acknowledged
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() { // a writer saving as fast as it can, re-reading after failures
		defer wg.Done()
		cur := art
		for i := 0; !stop.Load(); i++ {
			body := fmt.Sprintf("save number %d", i)
			st, next, _ := save(t, srv.URL, writer, cur, "Saved through an outage", body)
			switch st {
			case 200:
				mu.Lock()
				acked = append(acked, body)
				mu.Unlock()
				cur = next
			default:
				time.Sleep(50 * time.Millisecond)
				var a article
				if s, _, _ := call(t, "GET", srv.URL+"/api/admin/articles/"+art.ID, writer, nil, nil, &a); s == 200 {
					cur = a
				}
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)

	db.kill() // the database dies
	time.Sleep(200 * time.Millisecond)

	t0 := time.Now()
	st, hdr, body := call(t, "GET", srv.URL+"/api/admin/articles/"+art.ID, writer, nil, nil, nil)
	took := time.Since(t0)
	if st != 503 || hdr.Get("Retry-After") == "" {
		t.Fatalf("management call during the outage: %d (Retry-After %q) %s; want 503 with Retry-After", st, hdr.Get("Retry-After"), body)
	}
	if took > 4*time.Second {
		t.Fatalf("management call took %s to fail; want a couple of seconds at most", took)
	}
	if strings.Contains(string(body), "127.0.0.1") || strings.Contains(string(body), "mongo") {
		t.Fatalf("503 leaks internals: %s", body)
	}
	t.Logf("management call failed in %s with %d", took.Round(time.Millisecond), st)
	if st, _, _ := call(t, "GET", srv.URL+"/readyz", "", nil, nil, nil); st != 503 {
		t.Fatalf("/readyz during the outage: %d; want 503", st)
	}
	for i := 0; i < 20; i++ {
		if st, _, b := call(t, "GET", srv.URL+"/api/v1/articles/"+slug, "", nil, nil, nil); st != 200 {
			t.Fatalf("delivery during the outage: %d %s", st, b)
		}
	}

	startDB(t, dir, dbAddr) // the database returns on the same files
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _, _ := call(t, "GET", srv.URL+"/readyz", "", nil, nil, nil)
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready 20 s after the database returned:\n%s", srv.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("ready again %s after the database returned", time.Since(deadline.Add(-20*time.Second)).Round(time.Millisecond))
	time.Sleep(700 * time.Millisecond) // a few more saves after recovery
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 3 {
		t.Fatalf("only %d saves acknowledged; the load did not run", len(acked))
	}
	var revs struct {
		Items []struct{ Rev int64 } `json:"items"`
	}
	if st, _, b := call(t, "GET", srv.URL+"/api/admin/articles/"+art.ID+"/revisions?all=1", writer, nil, nil, &revs); st != 200 {
		t.Fatalf("revisions after recovery: %d %s", st, b)
	}
	have := map[string]bool{}
	for _, r := range revs.Items {
		var rv struct {
			Content struct {
				Sections []struct{ Body string } `json:"sections"`
			} `json:"content"`
		}
		if st, _, b := call(t, "GET", fmt.Sprintf("%s/api/admin/articles/%s/revisions/%d", srv.URL, art.ID, r.Rev), writer, nil, nil, &rv); st != 200 {
			t.Fatalf("revision %d: %d %s", r.Rev, st, b)
		}
		for _, s := range rv.Content.Sections {
			have[s.Body] = true
		}
	}
	for _, b := range acked {
		if !have[b] {
			t.Fatalf("acknowledged save %q is lost (%d acknowledged, %d revisions)", b, len(acked), len(revs.Items))
		}
	}
	admin := login(t, srv.URL, "admin@vetted.local")
	var v struct {
		OK     bool `json:"ok"`
		Events int  `json:"events"`
	}
	if st, _, b := call(t, "GET", srv.URL+"/api/admin/audit/verify", admin, nil, nil, &v); st != 200 || !v.OK {
		t.Fatalf("audit chain after the outage: %d %s", st, b)
	}
	t.Logf("%d acknowledged saves, all present; audit chain ok over %d events", len(acked), v.Events)
}
