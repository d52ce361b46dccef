package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/models/mongostore"
)

// A backup archive is a gzip-compressed tar:
//
//	db/<name>.sqlite     embedded database files (a VACUUM INTO copy each), or
//	mongo/<coll>.bson    a MongoDB's collections (BSON documents back to back)
//	media/<path>         the media directory, when there is one
//	manifest.json        last: format, counts, audit head, sha-256 of every member
//
// The manifest comes last so that a backup is written in one pass; a
// truncated archive therefore has none, and restore says so.
const (
	backupFormat   = "vetted-backup"
	backupVersion  = 1
	manifestMember = "manifest.json"
)

// manifest describes a backup archive.
type manifest struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	// Source is "embedded" (db/ members) or "mongodb" (mongo/ members).
	Source   string `json:"source"`
	Database string `json:"database"`
	// Consistency says how the snapshot was taken: "sqlite-vacuum-into",
	// "snapshot-session" (one point in time on a replica set) or
	// "log-last" (no snapshot reads: the event log dumped after the rest).
	Consistency string           `json:"consistency"`
	Stats       mongostore.Stats `json:"stats"`
	MediaFiles  int              `json:"mediaFiles"`
	Members     []member         `json:"members"`
}

// member is one file of the archive.
type member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// archiveWriter writes members and then the manifest.
type archiveWriter struct {
	f   *os.File
	zw  *gzip.Writer
	tw  *tar.Writer
	man *manifest
}

func newArchiveWriter(f *os.File, man *manifest) *archiveWriter {
	zw := gzip.NewWriter(f)
	return &archiveWriter{f: f, zw: zw, tw: tar.NewWriter(zw), man: man}
}

// addFile copies the file at src into the archive as name.
func (a *archiveWriter) addFile(name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime().UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(a.tw, h), f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if n != info.Size() {
		return fmt.Errorf("%s changed while it was copied", name)
	}
	a.man.Members = append(a.man.Members, member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// addTree adds every regular file under dir as prefix/<relative path>.
func (a *archiveWriter) addTree(prefix, dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		n++
		return a.addFile(prefix+"/"+filepath.ToSlash(rel), p)
	})
	return n, err
}

// close writes the manifest and flushes everything to disk.
func (a *archiveWriter) close() error {
	b, err := json.MarshalIndent(a.man, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: manifestMember, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now().UTC(), Typeflag: tar.TypeReg}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := a.tw.Write(b); err != nil {
		return err
	}
	if err := a.tw.Close(); err != nil {
		return err
	}
	if err := a.zw.Close(); err != nil {
		return err
	}
	return a.f.Sync()
}

// errCorrupt marks every reason an archive cannot be restored as it is.
var errCorrupt = errors.New("corrupt or truncated backup")

// memberTarget maps an archive member to where restore writes it: db/
// and media/ members into the data directory, mongo/ dumps beside it.
// Any other name, an absolute path or a ".." is refused.
func memberTarget(name, dataDir, dumpDir string) (string, error) {
	if name != path.Clean(name) || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.HasPrefix(name, "../") || name == ".." {
		return "", fmt.Errorf("%w: unsafe member name %q", errCorrupt, name)
	}
	top, rest, ok := strings.Cut(name, "/")
	if !ok || rest == "" {
		return "", fmt.Errorf("%w: unexpected member %q", errCorrupt, name)
	}
	switch top {
	case "db":
		if strings.Contains(rest, "/") || !strings.HasSuffix(rest, ".sqlite") {
			break
		}
		return filepath.Join(dataDir, rest), nil
	case "mongo":
		if strings.Contains(rest, "/") || !strings.HasSuffix(rest, ".bson") {
			break
		}
		return filepath.Join(dumpDir, rest), nil
	case "media":
		return filepath.Join(dataDir, "media", filepath.FromSlash(rest)), nil
	}
	return "", fmt.Errorf("%w: unexpected member %q", errCorrupt, name)
}

// unpack extracts the archive at file into dataDir (database files and
// media) and dumpDir (MongoDB dumps), checking every member against the
// manifest: same names, sizes and sha-256, nothing missing, nothing extra.
func unpack(file, dataDir, dumpDir string) (*manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip file (%v)", errCorrupt, err)
	}
	tr := tar.NewReader(zr)
	got := map[string]member{}
	var man *manifest
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		if man != nil {
			return nil, fmt.Errorf("%w: member %q after the manifest", errCorrupt, hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%w: %q is not a regular file", errCorrupt, hdr.Name)
		}
		if hdr.Name == manifestMember {
			b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				return nil, fmt.Errorf("%w: manifest: %v", errCorrupt, err)
			}
			man = &manifest{}
			if err := json.Unmarshal(b, man); err != nil {
				return nil, fmt.Errorf("%w: manifest: %v", errCorrupt, err)
			}
			continue
		}
		if _, dup := got[hdr.Name]; dup {
			return nil, fmt.Errorf("%w: member %q twice", errCorrupt, hdr.Name)
		}
		dst, err := memberTarget(hdr.Name, dataDir, dumpDir)
		if err != nil {
			return nil, err
		}
		m, err := extract(tr, dst, hdr.Name)
		if err != nil {
			return nil, err
		}
		got[hdr.Name] = m
	}
	// Reading to the end of the gzip stream checks its CRC and length.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if man == nil {
		return nil, fmt.Errorf("%w: no manifest (the archive ends early)", errCorrupt)
	}
	if man.Format != backupFormat || man.Version != backupVersion {
		return nil, fmt.Errorf("%w: format %q version %d; this vetted reads %s version %d", errCorrupt, man.Format, man.Version, backupFormat, backupVersion)
	}
	for _, want := range man.Members {
		m, ok := got[want.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s is missing", errCorrupt, want.Name)
		case m != want:
			return nil, fmt.Errorf("%w: %s does not match its checksum", errCorrupt, want.Name)
		}
		delete(got, want.Name)
	}
	for name := range got {
		return nil, fmt.Errorf("%w: %s is not in the manifest", errCorrupt, name)
	}
	return man, nil
}

func extract(r io.Reader, dst, name string) (member, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return member{}, err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return member{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return member{}, fmt.Errorf("%w: %s: %v", errCorrupt, name, err)
	}
	return member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
