package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// `VETTED_ADDR=… VETTED_DATA_DIR=… make run` starts there, not on the
// Makefile's defaults (make -n prints the command without running it).
func TestMakeRunHonoursEnvironment(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	cmd := exec.Command("make", "-n", "--no-print-directory", "-C", "../..", "run")
	cmd.Env = append(os.Environ(), "VETTED_ADDR=127.0.0.1:9137", "VETTED_DATA_DIR=/srv/vetted-test-data")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n run: %v\n%s", err, out)
	}
	var last string // the command that starts the server
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "VETTED_DEMO=1") {
			last = l
		}
	}
	for _, want := range []string{`VETTED_ADDR="127.0.0.1:9137"`, `VETTED_DATA_DIR="/srv/vetted-test-data"`, "VETTED_DEMO=1", "bin/vetted"} {
		if !strings.Contains(last, want) {
			t.Errorf("make run starts %q; want %s in it", last, want)
		}
	}
}
