package system

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKill9DuringWrites kills the server with SIGKILL while writers save
// and move articles through the workflow; after a restart on the same
// files every acknowledged change is there with its audit event, and the
// audit chain verifies. No secret ever appears in the server's output.
func TestKill9DuringWrites(t *testing.T) {
	dir := t.TempDir()
	rounds := 3
	for round := 0; round < rounds; round++ {
		env := append(dbEnv(t, dir), "VETTED_DEMO=1", "VETTED_PUBLIC_DELIVERY=1")
		srv := startServer(t, env...)
		writer := login(t, srv.URL, "writer@vetted.local")
		type ack struct {
			id      string
			version int64
			body    string
		}
		var mu sync.Mutex
		var acks []ack
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				title := fmt.Sprintf("Crash round %d writer %d", round, w)
				a := create(t, srv.URL, writer, title)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf("round %d writer %d save %d", round, w, i)
					st, next, _ := save(t, srv.URL, writer, a, title, body)
					if st != 200 {
						return // the server died under us
					}
					mu.Lock()
					acks = append(acks, ack{a.ID, next.Version, body})
					mu.Unlock()
					a = next
					if i%4 == 3 { // through the workflow and back
						if st, n2, _ := transition(t, srv.URL, writer, a.ID, map[string]any{"action": "submit"}); st == 200 {
							mu.Lock()
							acks = append(acks, ack{a.ID, n2.Version, ""})
							mu.Unlock()
							if st, n3, _ := transition(t, srv.URL, writer, a.ID, map[string]any{"action": "withdraw"}); st == 200 {
								mu.Lock()
								acks = append(acks, ack{a.ID, n3.Version, ""})
								mu.Unlock()
								a = n3
							} else {
								return
							}
						} else {
							return
						}
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(400+200*round) * time.Millisecond)
		_ = srv.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = srv.cmd.Process.Wait()
		close(stop)
		wg.Wait()
		out := srv.out.String()

		firstTok := writer
		srv = startServer(t, env...)
		writer = login(t, srv.URL, "writer@vetted.local")
		mu.Lock()
		if len(acks) == 0 {
			t.Fatalf("round %d: nothing was acknowledged before the kill", round)
		}
		latest := map[string]int64{}
		for _, a := range acks {
			if a.version > latest[a.id] {
				latest[a.id] = a.version
			}
		}
		for id, v := range latest {
			got := get(t, srv.URL, writer, id)
			if got.Version < v {
				t.Fatalf("round %d: article %s is at version %d after restart; version %d was acknowledged", round, id, got.Version, v)
			}
			var evs struct {
				Items []struct {
					Version int64 `json:"version"`
				} `json:"items"`
			}
			call(t, "GET", srv.URL+"/api/admin/articles/"+id+"/events", writer, nil, nil, &evs)
			seen := map[int64]bool{}
			for _, e := range evs.Items {
				seen[e.Version] = true
			}
			for _, a := range acks {
				if a.id == id && !seen[a.version] {
					t.Fatalf("round %d: acknowledged version %d of %s has no event", round, a.version, id)
				}
			}
		}
		n := len(acks)
		mu.Unlock()
		_ = srv.cmd.Process.Signal(syscall.SIGTERM)
		_, _ = srv.cmd.Process.Wait()

		v := exec.Command(binary, "audit", "verify")
		v.Env = append(v.Environ(), dbEnv(t, dir)...)
		vout, err := v.CombinedOutput()
		if err != nil || !strings.Contains(string(vout), "audit chain OK") {
			t.Fatalf("round %d: vetted audit verify: %v\n%s", round, err, vout)
		}
		// The demo password is printed on purpose (demo only); session
		// tokens never are.
		if strings.Contains(out, firstTok) || strings.Contains(srv.out.String(), writer) {
			t.Fatalf("a session token appears in the server output")
		}
		t.Logf("round %d: %d acknowledged changes survived kill -9; %s", round, n, strings.TrimSpace(string(vout)))
	}
}
