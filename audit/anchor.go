package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Anchor is the checkpoint file (VETTED_AUDIT_ANCHOR): one JSON object per
// line, only ever appended, each line fsynced before Append returns. Keep
// it (or a copy that follows it) on another host: see docs/audit.md.
// Several instances may append to one anchor; each line is one write.
type Anchor struct {
	Path string
	mu   sync.Mutex
}

// Append writes c as one line at the end of the anchor and syncs it.
func (a *Anchor) Append(c Checkpoint) error {
	line, err := json.Marshal(c)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	_, statErr := os.Stat(a.Path)
	f, err := os.OpenFile(a.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		syncDir(filepath.Dir(a.Path))
	}
	return nil
}

// AnchorContents is what ReadAnchor found in one anchor.
type AnchorContents struct {
	Path        string
	Checkpoints []Checkpoint
	// Bad lists lines that are not checkpoints (a torn last line, left by
	// a crash in the middle of a write, is not among them: see Torn).
	Bad  []string
	Torn bool
}

// ReadAnchor reads every checkpoint of the anchor at path. A missing file
// is an error satisfying errors.Is(err, os.ErrNotExist).
func ReadAnchor(path string) (AnchorContents, error) {
	out := AnchorContents{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return out, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var c Checkpoint
			switch {
			case json.Unmarshal(line, &c) == nil && c.Seq > 0 && c.Hash != "":
				out.Checkpoints = append(out.Checkpoints, c)
			case err == io.EOF: // no newline: a write cut short
				out.Torn = true
			default:
				out.Bad = append(out.Bad, fmt.Sprintf("%s line %d is not a checkpoint", path, n))
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// NewestInAnchor returns the checkpoint with the highest sequence number
// among the last lines of the anchor (nil when it has none), without
// reading a long anchor whole.
func NewestInAnchor(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const tail = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(st.Size()-tail, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, err
	}
	if off > 0 { // the first line read is probably partial
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	var newest *Checkpoint
	for _, line := range bytes.Split(b, []byte("\n")) {
		var c Checkpoint
		if json.Unmarshal(line, &c) == nil && c.Seq > 0 && (newest == nil || c.Seq >= newest.Seq) {
			newest = &c
		}
	}
	return newest, nil
}
