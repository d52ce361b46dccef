package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// auditConfig is the audit trail's part of the configuration.
type auditConfig struct {
	AuditKey     string // VETTED_AUDIT_KEY; empty: auditKeyPath's default
	AuditAnchor  string // VETTED_AUDIT_ANCHOR; empty: auditAnchorPath's default
	AuditTrusted []ed25519.PublicKey
	// AuditInterval is the longest a new event waits for a checkpoint
	// (one also follows every 100 events).
	AuditInterval time.Duration
}

func parseAuditInterval(c *config, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond || d > time.Minute {
		return errors.New("must be a duration from 100ms to 1m")
	}
	c.AuditInterval = d
	return nil
}

func parseTrustedKeys(c *config, v string) error {
	c.AuditTrusted = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pub, err := audit.ParsePublicKey(s)
		if err != nil {
			return err
		}
		c.AuditTrusted = append(c.AuditTrusted, pub)
	}
	return nil
}

// auditKeyPath is the checkpoint key: VETTED_AUDIT_KEY, else a file next
// to the data directory (not in it: a copy of the data directory must
// not carry the key that vouches for it).
func (c config) auditKeyPath() string {
	if c.AuditKey != "" {
		return c.AuditKey
	}
	return filepath.Clean(c.DataDir) + "-audit.key"
}

// auditAnchorPath is the checkpoint file: VETTED_AUDIT_ANCHOR, else a
// file next to the data directory.
func (c config) auditAnchorPath() string {
	if c.AuditAnchor != "" {
		return c.AuditAnchor
	}
	return filepath.Clean(c.DataDir) + "-audit-anchor.jsonl"
}

// loadAuditKey reads the checkpoint key, creating it when missing with a
// warning to keep it elsewhere.
func loadAuditKey(cfg config) (ed25519.PrivateKey, error) {
	path := cfg.auditKeyPath()
	priv, created, err := audit.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	if created {
		slog.Warn("generated a new audit checkpoint key. It signs the checkpoints that prove the audit log was not rewritten, and anyone holding it can forge them: "+
			"move it off the database host (a secret mount, another machine) and point VETTED_AUDIT_KEY at it (docs/audit.md)",
			"key", path, "publicKey", audit.PublicKeyString(priv.Public().(ed25519.PublicKey)), "VETTED_AUDIT_KEY set", cfg.AuditKey != "")
	} else if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		slog.Warn("the audit checkpoint key is readable by other users of this machine", "key", path, "mode", st.Mode().Perm().String())
	}
	return priv, nil
}

// newVerifier checks db's log against the anchors with the keys of cfg
// (and extra), and against db's projections.
func newVerifier(cfg config, db *mongostore.DB, log *mongostore.Log, anchors []string, extra ...ed25519.PublicKey) *audit.Verifier {
	v := &audit.Verifier{Log: log, Anchors: anchors,
		Projections: func(ctx context.Context) ([]mongostore.ProjectionRef, error) {
			return mongostore.ProjectionRefs(ctx, db)
		}}
	if priv, err := audit.LoadKey(cfg.auditKeyPath()); err == nil {
		pub := priv.Public().(ed25519.PublicKey)
		v.Keys, v.PublicKey = append(v.Keys, pub), audit.PublicKeyString(pub)
	}
	v.Keys = append(v.Keys, cfg.AuditTrusted...)
	v.Keys = append(v.Keys, extra...)
	if v.PublicKey == "" && len(v.Keys) > 0 {
		v.PublicKey = audit.PublicKeyString(v.Keys[0])
	}
	return v
}

// setupAudit loads the checkpoint key, gives the service its verifier,
// warns when the log no longer agrees with the anchor, and returns the
// checkpointer (serve runs it).
func setupAudit(ctx context.Context, cfg config, a *app) (*audit.Checkpointer, error) {
	priv, err := loadAuditKey(cfg)
	if err != nil {
		return nil, err
	}
	anchor := cfg.auditAnchorPath()
	v := newVerifier(cfg, a.db, a.articles.Log, []string{anchor})
	a.svc.AuditVerifier = v
	if st, err := v.Status(ctx); err != nil {
		slog.Warn("audit anchor not checked", "anchor", anchor, "err", err.Error())
	} else if st.NewestCheckpoint != nil && !st.AnchorAgrees {
		slog.Error("the audit log does not agree with its anchor: run `vetted audit verify`", "anchor", anchor, "reason", st.Reason)
	}
	cp := &audit.Checkpointer{Log: a.articles.Log, Key: priv, Anchor: &audit.Anchor{Path: anchor}, Interval: cfg.AuditInterval}
	cp.Resume()
	slog.Info("audit checkpoints", "anchor", anchor, "publicKey", v.PublicKey)
	return cp, nil
}

const auditUsage = `usage:
  vetted audit key                       print the checkpoint public key (creating the key if missing)
  vetted audit verify [--anchor FILE]... [--public-key ed25519:…]... [--json]
                                         check the chain, every checkpoint of the anchors
                                         (default VETTED_AUDIT_ANCHOR) and the projections`

func auditCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, auditUsage)
		return 2
	}
	switch args[0] {
	case "key":
		if len(args) != 1 {
			break
		}
		priv, err := loadAuditKey(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "vetted audit: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, audit.PublicKeyString(priv.Public().(ed25519.PublicKey)))
		return 0
	case "verify":
		return auditVerify(ctx, cfg, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, auditUsage)
	return 2
}

func auditVerify(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	var anchors []string
	var keys []ed25519.PublicKey
	asJSON := false
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--json":
			asJSON = true
		case (args[i] == "--anchor" || args[i] == "--public-key") && i+1 < len(args):
			if args[i] == "--anchor" {
				if _, err := os.Stat(args[i+1]); err != nil {
					fmt.Fprintf(stderr, "vetted audit verify: --anchor: %v\n", err)
					return 2
				}
				anchors = append(anchors, args[i+1])
			} else {
				pub, err := audit.ParsePublicKey(args[i+1])
				if err != nil {
					fmt.Fprintf(stderr, "vetted audit verify: --public-key: %v\n", err)
					return 2
				}
				keys = append(keys, pub)
			}
			i++
		default:
			fmt.Fprintln(stderr, auditUsage)
			return 2
		}
	}
	if len(anchors) == 0 {
		anchors = []string{cfg.auditAnchorPath()}
	}
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{URI: cfg.MongoURI, Name: cfg.DBName, DataDir: cfg.DataDir, DBAddr: cfg.DBAddr})
	if err != nil {
		fmt.Fprintf(stderr, "vetted audit: %v\n", err)
		return 1
	}
	defer closeDB(context.Background())
	rep, err := newVerifier(cfg, db, mongostore.NewLog(db, nil), anchors, keys...).Verify(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "vetted audit: %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(stdout, rep)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func printReport(w io.Writer, r audit.Report) {
	if r.OK {
		fmt.Fprintf(w, "audit chain OK: %d events\n", r.Events)
	} else if r.FirstBadSeq > 0 {
		fmt.Fprintf(w, "audit chain BROKEN at event %d: %s (%d events read)\n", r.FirstBadSeq, r.Reason, r.Events)
	} else {
		fmt.Fprintf(w, "audit chain NOT VERIFIED: %s (%d events read)\n", r.Reason, r.Events)
	}
	if c := r.NewestCheckpoint; c != nil {
		agree := "agrees with the log"
		if !r.AnchorAgrees {
			agree = "does NOT agree with the log"
		}
		fmt.Fprintf(w, "checkpoints: %d signed (newest: event %d at %s); the anchor %s\n", r.Checkpoints, c.Seq, c.At.Format("2006-01-02T15:04:05Z07:00"), agree)
	}
	if r.PublicKey != "" {
		fmt.Fprintf(w, "public key: %s\n", r.PublicKey)
	}
	for _, p := range r.Problems {
		at := ""
		if p.Seq > 0 {
			at = fmt.Sprintf(" (from event %d)", p.Seq)
		}
		subj := ""
		if p.Subject != "" {
			subj = p.Subject + ": "
		}
		fmt.Fprintf(w, "  problem [%s]%s: %s%s\n", p.Kind, at, subj, p.Message)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", s)
	}
}
