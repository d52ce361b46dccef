package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/policies"
)

// config is Vetted's configuration, read once from the environment.
type config struct {
	Addr           string
	DataDir        string
	MongoURI       string
	DBName         string
	DBAddr         string
	AdminEmail     string
	AdminPassword  string
	Demo           bool
	PublicDelivery bool
	ReviewInterval time.Duration
	LogLevel       string
	LogFormat      string
	MetricsToken   string
	PolicyDir      string
	// Policy is the casbin policy loaded (and checked) from PolicyDir or
	// the embedded default: a bad policy is a bad configuration (exit 2).
	Policy        *policies.Enforcer
	SecureCookies bool
	SyncInterval  time.Duration
	// PublishWait bounds how long a change to what is live waits for
	// every live instance to serve it before it is acknowledged.
	PublishWait time.Duration
	// Delivery API (wire_delivery.go).
	DeliveryMaxAge      time.Duration
	DeliverySWR         time.Duration
	DeliverySIE         time.Duration
	CORSOrigins         []string
	WebhookAllowPrivate bool
	TrustedProxies      []string
	auditConfig         // audit_cmd.go
	ImageHosts          []string
	// MediaURL is where media blobs live (wire_media.go); empty: the
	// directory "media" under DataDir.
	MediaURL string
	// PublicURL, when set, is this server's public address (an absolute
	// http(s) URL, no trailing slash): delivered media URLs are made
	// absolute with it.
	PublicURL string
}

// option is one row of the options table: variable, default, parser.
type option struct {
	env, def, help string
	set            func(c *config, v string) error
}

func boolOpt(dst func(*config) *bool) func(*config, string) error {
	return func(c *config, v string) error {
		switch strings.ToLower(v) {
		case "", "0", "false", "no":
			*dst(c) = false
		case "1", "true", "yes":
			*dst(c) = true
		default:
			return errors.New("must be 1 or 0")
		}
		return nil
	}
}

func strOpt(dst func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *dst(c) = v; return nil }
}

func durOpt(dst func(*config) *time.Duration, minimum time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("must be a duration like 8760h (%v)", err)
		}
		if d < minimum {
			return fmt.Errorf("must be at least %s", minimum)
		}
		*dst(c) = d
		return nil
	}
}

var options = []option{
	{"VETTED_ADDR", "127.0.0.1:8080", "listen address", func(c *config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("must be host:port (%v)", err)
		}
		c.Addr = v
		return nil
	}},
	{"VETTED_DATA_DIR", "./data", "embedded database files", func(c *config, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		c.DataDir = v
		return nil
	}},
	{"MONGODB_URI", "", "use this MongoDB instead of the embedded one", func(c *config, v string) error {
		if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
			return errors.New("must start with mongodb:// or mongodb+srv://")
		}
		c.MongoURI = v
		return nil
	}},
	{"VETTED_DB", "vetted", "database name", func(c *config, v string) error {
		if v == "" || strings.ContainsAny(v, `/\. "$`) || len(v) > 60 {
			return errors.New("must be a plain name (no / \\ . space \" $)")
		}
		c.DBName = v
		return nil
	}},
	{"VETTED_DB_ADDR", "127.0.0.1:0", "embedded database listener (loopback)", func(c *config, v string) error {
		host, _, err := net.SplitHostPort(v)
		if err != nil {
			return fmt.Errorf("must be host:port (%v)", err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("must be a loopback address")
		}
		c.DBAddr = v
		return nil
	}},
	{"VETTED_ADMIN_EMAIL", "", "on an empty database, create this admin", strOpt(func(c *config) *string { return &c.AdminEmail })},
	{"VETTED_ADMIN_PASSWORD", "", "the admin's password (12+ characters)", strOpt(func(c *config) *string { return &c.AdminPassword })},
	{"VETTED_DEMO", "", "1: demo users and articles on an empty database", boolOpt(func(c *config) *bool { return &c.Demo })},
	{"VETTED_PUBLIC_DELIVERY", "", "1: delivery API readable without a token", boolOpt(func(c *config) *bool { return &c.PublicDelivery })},
	{"VETTED_REVIEW_INTERVAL", "8760h", "how long a sign-off stays current", durOpt(func(c *config) *time.Duration { return &c.ReviewInterval }, time.Hour)},
	{"VETTED_LOG_LEVEL", "info", "debug, info, warn or error", func(c *config, v string) error {
		switch v {
		case "debug", "info", "warn", "error":
			c.LogLevel = v
			return nil
		}
		return errors.New("must be debug, info, warn or error")
	}},
	{"VETTED_LOG_FORMAT", "text", "text or json (one access-log line per request either way)", func(c *config, v string) error {
		switch v {
		case "text", "json":
			c.LogFormat = v
			return nil
		}
		return errors.New("must be text or json")
	}},
	{"VETTED_METRICS_TOKEN", "", "bearer token that may read /metrics from anywhere (loopback may always)", func(c *config, v string) error {
		if v != "" && (len(v) < 16 || strings.ContainsAny(v, " \t\r\n")) {
			return errors.New("must be at least 16 characters without spaces")
		}
		c.MetricsToken = v
		return nil
	}},
	{"VETTED_POLICY_DIR", "", "directory with model.conf and policy.csv overriding the embedded policy", strOpt(func(c *config) *string { return &c.PolicyDir })},
	{"VETTED_SECURE_COOKIES", "", "1: mark cookies Secure (behind a TLS proxy)", boolOpt(func(c *config) *bool { return &c.SecureCookies })},
	{"VETTED_TRUSTED_PROXIES", "", "comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed", func(c *config, v string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return fmt.Errorf("%q is not an IP address or CIDR", p)
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		return nil
	}},
	{"VETTED_SYNC_INTERVAL", "200ms", "how often to follow other instances' changes", durOpt(func(c *config) *time.Duration { return &c.SyncInterval }, 10*time.Millisecond)},
	{"VETTED_PUBLISH_WAIT", "3s", "how long a publish, unpublish or re-certification waits for every running instance to serve it before answering (and before its webhooks)", durOpt(func(c *config) *time.Duration { return &c.PublishWait }, 0)},
	{"VETTED_DELIVERY_MAX_AGE", "60s", "delivery API Cache-Control max-age", durOpt(func(c *config) *time.Duration { return &c.DeliveryMaxAge }, 0)},
	{"VETTED_DELIVERY_SWR", "300s", "delivery API Cache-Control stale-while-revalidate", durOpt(func(c *config) *time.Duration { return &c.DeliverySWR }, 0)},
	{"VETTED_DELIVERY_SIE", "86400s", "delivery API Cache-Control stale-if-error (0 leaves it out)", durOpt(func(c *config) *time.Duration { return &c.DeliverySIE }, 0)},
	{"VETTED_CORS_ORIGINS", "", "comma-separated browser origins allowed to read the delivery API (* for any)", func(c *config, v string) error {
		c.CORSOrigins = nil
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
				return fmt.Errorf("%q is not an origin like https://www.example.org", o)
			}
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimRight(o, "/"))
		}
		return nil
	}},
	{"VETTED_AUDIT_KEY", "", "Ed25519 key file signing audit checkpoints (default: <data dir>-audit.key, created if missing; keep it off the database host)", strOpt(func(c *config) *string { return &c.AuditKey })},
	{"VETTED_AUDIT_ANCHOR", "", "file the audit checkpoints are appended to (default: <data dir>-audit-anchor.jsonl)", strOpt(func(c *config) *string { return &c.AuditAnchor })},
	{"VETTED_AUDIT_INTERVAL", "1m", "longest wait before new audit events are checkpointed (at most 1m)", parseAuditInterval},
	{"VETTED_AUDIT_TRUSTED_KEYS", "", "comma-separated public keys (ed25519:…) whose checkpoints verify too: other instances', retired keys", parseTrustedKeys},
	{"VETTED_IMAGE_HOSTS", "", "comma-separated hosts Markdown and hero images may come from besides the media library (/media/)", func(c *config, v string) error {
		c.ImageHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h == "" {
				continue
			}
			if strings.ContainsAny(h, "/:*@ ") || !strings.Contains(h, ".") {
				return fmt.Errorf("%q is not a host name like images.example.org", h)
			}
			c.ImageHosts = append(c.ImageHosts, h)
		}
		return nil
	}},
	{"VETTED_MEDIA_URL", "", "where media blobs live: file:///dir, s3://bucket, gs://bucket, azblob://container (default: media/ under the data dir)", func(c *config, v string) error {
		if v != "" && !strings.HasPrefix(v, "file://") && !strings.HasPrefix(v, "s3://") && !strings.HasPrefix(v, "gs://") && !strings.HasPrefix(v, "azblob://") {
			return errors.New("must be a file://, s3://, gs:// or azblob:// URL")
		}
		c.MediaURL = v
		return nil
	}},
	{"VETTED_PUBLIC_URL", "", "this server's public address, e.g. https://cms.example.org: delivered media URLs (hero image, srcset, inline images, JSON-LD) are made absolute with it", parsePublicURL},
	{"VETTED_WEBHOOK_ALLOW_PRIVATE", "", "1: webhooks may target loopback, private and link-local addresses", boolOpt(func(c *config) *bool { return &c.WebhookAllowPrivate })},
}

// parsePublicURL accepts an absolute http(s) URL with a host and at most
// a path (a site served under a prefix); no user, query or fragment.
func parsePublicURL(c *config, v string) error {
	c.PublicURL = ""
	if v == "" {
		return nil
	}
	const want = "must be an absolute http(s) URL like https://cms.example.org"
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Errorf("%s (%v)", want, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New(want)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%s: it names no host", want)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(v, "#"):
		return fmt.Errorf("%s: no user, query or fragment", want)
	case strings.ContainsAny(v, " \t\n\"<>\\"):
		return fmt.Errorf("%s: no spaces, quotes or angle brackets", want)
	}
	c.PublicURL = strings.TrimRight(v, "/")
	return nil
}

// secretOptions are never echoed in configuration errors.
var secretOptions = map[string]bool{"VETTED_ADMIN_PASSWORD": true, "VETTED_METRICS_TOKEN": true}

// loadConfig reads every option and reports every bad value at once.
func loadConfig(getenv func(string) string) (config, error) {
	var c config
	var errs []error
	for _, o := range options {
		v := getenv(o.env)
		if v == "" {
			v = o.def
		}
		if err := o.set(&c, v); err != nil {
			if secretOptions[o.env] {
				v = "(hidden)"
			}
			errs = append(errs, fmt.Errorf("%s=%q: %v", o.env, v, err))
		}
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("VETTED_ADMIN_EMAIL and VETTED_ADMIN_PASSWORD go together"))
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 12 {
		errs = append(errs, errors.New("VETTED_ADMIN_PASSWORD: must be at least 12 characters"))
	}
	pol, err := policies.Load(c.PolicyDir)
	if err != nil {
		errs = append(errs, fmt.Errorf("VETTED_POLICY_DIR=%q: %v", c.PolicyDir, err))
	}
	c.Policy = pol
	return c, errors.Join(errs...)
}
