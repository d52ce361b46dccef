package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
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
	PolicyDir      string
	SecureCookies  bool
	SyncInterval   time.Duration
	// Delivery API (wire_delivery.go).
	DeliveryMaxAge      time.Duration
	DeliverySWR         time.Duration
	CORSOrigins         []string
	WebhookAllowPrivate bool
	TrustedProxies      []string
	// MediaURL is where media blobs live (wire_media.go); empty: the
	// directory "media" under DataDir.
	MediaURL string
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
	{"VETTED_DELIVERY_MAX_AGE", "60s", "delivery API Cache-Control max-age", durOpt(func(c *config) *time.Duration { return &c.DeliveryMaxAge }, 0)},
	{"VETTED_DELIVERY_SWR", "300s", "delivery API Cache-Control stale-while-revalidate", durOpt(func(c *config) *time.Duration { return &c.DeliverySWR }, 0)},
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
	{"VETTED_MEDIA_URL", "", "where media blobs live: file:///dir, s3://bucket, gs://bucket, azblob://container (default: media/ under the data dir)", func(c *config, v string) error {
		if v != "" && !strings.HasPrefix(v, "file://") && !strings.HasPrefix(v, "s3://") && !strings.HasPrefix(v, "gs://") && !strings.HasPrefix(v, "azblob://") {
			return errors.New("must be a file://, s3://, gs:// or azblob:// URL")
		}
		c.MediaURL = v
		return nil
	}},
	{"VETTED_WEBHOOK_ALLOW_PRIVATE", "", "1: webhooks may target loopback, private and link-local addresses", boolOpt(func(c *config) *bool { return &c.WebhookAllowPrivate })},
}

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
			errs = append(errs, fmt.Errorf("%s=%q: %v", o.env, v, err))
		}
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("VETTED_ADMIN_EMAIL and VETTED_ADMIN_PASSWORD go together"))
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 12 {
		errs = append(errs, errors.New("VETTED_ADMIN_PASSWORD: must be at least 12 characters"))
	}
	return c, errors.Join(errs...)
}
