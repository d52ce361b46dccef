package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testBackupDuringWrites backs up a running server's data directory while
// several clients keep editing and moving articles through the workflow,
// restores the archive into an empty directory and starts a server on
// it: every change acknowledged before the backup began is there, the
// audit chain verifies, and the published articles are served byte for
// byte as before.
func testBackupDuringWrites(t *testing.T, bin string) {
	dir := t.TempDir()
	p := startVetted(t, bin, dir)
	admin := login(t, p.base, procAdminEmail)
	createUser(t, admin, "writer@backup.test", []string{"writer"}, false)
	createUser(t, admin, "clin@backup.test", []string{"clinical_reviewer"}, true)
	createUser(t, admin, "editor@backup.test", []string{"editor"}, false)
	cl := map[string]*apiClient{}
	for _, who := range []string{"writer", "clin", "editor"} {
		cl[who] = login(t, p.base, who+"@backup.test")
	}
	var tok struct {
		Token string `json:"token"`
	}
	admin.must(t, 201, "POST", "/api/admin/tokens", map[string]string{"name": "site"}, &tok)

	// Published articles the load does not touch: served the same after.
	var stable []string
	for i := 0; i < 3; i++ {
		slug := fmt.Sprintf("backup-stable-%d", i)
		var a procArticle
		cl["writer"].must(t, 201, "POST", "/api/admin/articles", procContent(slug, i), &a)
		cl["writer"].must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]any{"action": "submit"}, &a)
		cl["clin"].must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions",
			map[string]any{"action": "approve", "password": procPassword, "contentHash": a.ContentHash}, &a)
		cl["editor"].must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]any{"action": "publish"}, &a)
		stable = append(stable, slug)
	}
	var ids []string
	for i := 0; i < 4; i++ {
		var a procArticle
		cl["writer"].must(t, 201, "POST", "/api/admin/articles", procContent(fmt.Sprintf("backup-busy-%d", i), 0), &a)
		ids = append(ids, a.ID)
	}

	type timedAck struct {
		crashAck
		at time.Time
	}
	var (
		mu   sync.Mutex
		acks []timedAck
		bad  []string
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(7, uint64(w)))
			for ctx.Err() == nil {
				ack, b, err := crashStep(ctx, cl, ids[rng.IntN(len(ids))], rng)
				at := time.Now()
				mu.Lock()
				switch {
				case err != nil && ctx.Err() == nil:
					bad = append(bad, err.Error())
				case b != "":
					bad = append(bad, b)
				case ack != nil:
					acks = append(acks, timedAck{*ack, at})
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	file := filepath.Join(t.TempDir(), "vetted.tar.gz")
	began := time.Now()
	code, out := runVetted(t, bin, dir, "backup", file)
	ended := time.Now()
	time.Sleep(300 * time.Millisecond) // writes go on after the backup
	cancel()
	wg.Wait()
	if code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup exited %d:\n%s", code, out)
	}
	var before, during, after int
	var kept []crashAck
	for _, a := range acks {
		switch {
		case a.at.Before(began):
			before++
			kept = append(kept, a.crashAck)
		case a.at.Before(ended):
			during++
		default:
			after++
		}
	}
	t.Logf("acknowledged changes: %d before the backup, %d during it, %d after", before, during, after)
	if len(bad) > 0 {
		t.Fatalf("unexpected answers under load:\n%s", strings.Join(bad, "\n"))
	}
	if before == 0 || during+after == 0 {
		t.Fatalf("the backup did not run amid writes (%d before, %d during, %d after)", before, during, after)
	}
	served := map[string][]byte{}
	for _, slug := range stable {
		served[slug] = deliveryGet(t, p.base, tok.Token, "/api/v1/articles/"+slug)
	}
	p.stop()

	restored := filepath.Join(t.TempDir(), "restored")
	if code, out := runVetted(t, bin, restored, "restore", file); code != 0 || !strings.Contains(out, "audit chain verified") {
		t.Fatalf("restore exited %d:\n%s", code, out)
	}
	if code, out := runVetted(t, bin, restored, "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify of the restored data exited %d:\n%s", code, out)
	}
	q := startVetted(t, bin, restored)
	crashCheckAcks(t, login(t, q.base, "editor@backup.test"), kept)
	for _, slug := range stable {
		if got := deliveryGet(t, q.base, tok.Token, "/api/v1/articles/"+slug); !bytes.Equal(got, served[slug]) {
			t.Errorf("%s is served differently after the restore:\n%s\nwas:\n%s", slug, got, served[slug])
		}
	}
	q.stop()

	// A second restore into the now non-empty directory is refused.
	if code, out := runVetted(t, bin, restored, "restore", file); code == 0 || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a non-empty directory exited %d:\n%s", code, out)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}

// deliveryGet reads a delivery path with a site token; it must answer 200.
func deliveryGet(t *testing.T, base, token, path string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s %v", path, res.StatusCode, b, err)
	}
	return b
}
