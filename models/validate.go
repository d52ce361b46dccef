package models

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/vetted-cms/vetted/workflow"
)

// Content limits.
const (
	MaxTakeaways = 7
	MaxSections  = 50
	MaxRelated   = 6
	MaxTopics    = 12
	MaxBody      = 64 << 10
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// validate is the one validator: every request DTO (and Content, which
// is the article DTO) is checked by it, with the custom rules and
// struct-level rules registered here, once.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Field paths are JSON names: sections[2].heading, not Sections[2].Heading.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
		return slugRE.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	}))
	must(v.RegisterValidation("maxbytes", func(fl validator.FieldLevel) bool {
		n, err := strconv.Atoi(fl.Param())
		return err == nil && len(fl.Field().String()) <= n
	}))
	must(v.RegisterValidation("httpurl", func(fl validator.FieldLevel) bool {
		return ValidLink(fl.Field().String())
	}))
	// imageurl: an http(s) URL or a path in the media library (/media/…);
	// which hosts delivery shows is the sanitizer's decision.
	must(v.RegisterValidation("imageurl", func(fl validator.FieldLevel) bool {
		raw := fl.Field().String()
		if strings.HasPrefix(raw, "/media/") && !strings.Contains(raw, "..") && len(raw) < 2000 {
			return true
		}
		return ValidLink(raw)
	}))
	// webhookevent: one of WebhookEvents, the one list of subscribable events.
	must(v.RegisterValidation("webhookevent", func(fl validator.FieldLevel) bool {
		return slices.Contains(WebhookEvents, fl.Field().String())
	}))
	// plaintext: UTF-8 text without control characters but newlines
	// (descriptions shown as they are: alt text, captions, credits).
	must(v.RegisterValidation("plaintext", func(fl validator.FieldLevel) bool {
		t := fl.Field().String()
		return utf8.ValidString(t) && !strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) && r != '\n' })
	}))
	must(v.RegisterValidation("rolename", func(fl validator.FieldLevel) bool {
		r := fl.Field().String()
		return r != "" && len(r) <= 60 && strings.Trim(r, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
	}))
	must(v.RegisterValidation("action", func(fl validator.FieldLevel) bool {
		return workflow.Action(fl.Field().String()).Valid()
	}))
	must(v.RegisterValidation("state", func(fl validator.FieldLevel) bool {
		return workflow.State(fl.Field().String()).Valid()
	}))
	v.RegisterStructValidation(imageRules, Image{})
	v.RegisterStructValidation(contentRules, Content{})
	v.RegisterStructValidation(licenseRules, License{})
	v.RegisterStructValidation(settingsRules, Settings{})
	return v
}

// imageRules: a set image needs its alternative text.
func imageRules(sl validator.StructLevel) {
	img := sl.Current().Interface().(Image)
	if img.URL != "" && strings.TrimSpace(img.Alt) == "" {
		sl.ReportError(img.Alt, "alt", "Alt", "alt_required", "")
	}
}

// contentRules: an article does not relate to itself.
func contentRules(sl validator.StructLevel) {
	c := sl.Current().Interface().(Content)
	for i, r := range c.Related {
		if r != "" && r == c.Slug {
			sl.ReportError(r, fmt.Sprintf("related[%d]", i), "Related", "notself", "")
		}
	}
}

// licenseRules check a license as clients send it. License is a stored
// model, so it carries no tags (STYLE.md); the rules live here instead.
func licenseRules(sl validator.StructLevel) {
	l := sl.Current().Interface().(License)
	text := func(v, json, field string, max int) {
		switch {
		case strings.TrimSpace(v) == "":
			sl.ReportError(v, json, field, "notblank", "")
		case len(v) > max:
			sl.ReportError(v, json, field, "max", strconv.Itoa(max))
		}
	}
	text(l.Type, "type", "Type", 40)
	text(l.Number, "number", "Number", 40)
	text(l.Jurisdiction, "jurisdiction", "Jurisdiction", 60)
	if _, err := time.Parse(time.DateOnly, l.ExpiresOn); err != nil {
		sl.ReportError(l.ExpiresOn, "expiresOn", "ExpiresOn", "datetime", "2006-01-02")
	}
}

// settingsRules check the site settings. Settings is a stored model, so
// it carries no tags (STYLE.md); the rules live here, like licenseRules.
func settingsRules(sl validator.StructLevel) {
	s := sl.Current().Interface().(Settings)
	text := func(v, path string, max int) {
		if utf8.RuneCountInString(v) > max {
			sl.ReportError(v, path, path, "max", strconv.Itoa(max))
		}
	}
	link := func(v, path string) {
		if v != "" && !ValidLink(v) {
			sl.ReportError(v, path, path, "httpurl", "")
		}
	}
	text(s.Publisher.Name, "publisher.name", 200)
	link(s.Publisher.URL, "publisher.url")
	link(s.Publisher.LogoURL, "publisher.logoUrl")
	text(s.EditorialPolicy.Statement, "editorialPolicy.statement", 2000)
	link(s.EditorialPolicy.URL, "editorialPolicy.url")
	link(s.PreviewURL, "previewUrl")
	if s.Publisher.LogoURL != "" && strings.TrimSpace(s.Publisher.Name) == "" {
		sl.ReportError(s.Publisher.Name, "publisher.name", "publisher.name", "required_with", "")
	}
}

// messages is the one translation table from a rule to what a writer
// reads beside the field. A rule without an entry reads "is not valid".
var messages = map[string]func(fe validator.FieldError) string{
	"required":      func(validator.FieldError) string { return "required" },
	"notblank":      func(validator.FieldError) string { return "required" },
	"required_with": func(validator.FieldError) string { return "required" },
	"min": func(fe validator.FieldError) string {
		if fe.Kind() == reflect.String {
			return "at least " + fe.Param() + " characters"
		}
		return "at least " + fe.Param()
	},
	"max": func(fe validator.FieldError) string {
		if fe.Kind() == reflect.String {
			return "at most " + fe.Param() + " characters"
		}
		return "at most " + fe.Param()
	},
	"unique":   func(validator.FieldError) string { return "each only once" },
	"maxbytes": func(fe validator.FieldError) string { return "at most " + fe.Param() + " bytes" },
	"slug": func(fe validator.FieldError) string {
		return "lowercase letters, digits and single hyphens (kebab-case)"
	},
	"httpurl": func(validator.FieldError) string { return "must be an http(s) URL" },
	"imageurl": func(validator.FieldError) string {
		return "must be an http(s) URL or a media library path (/media/…)"
	},
	"email":    func(validator.FieldError) string { return "a valid email address" },
	"datetime": dateMessage,
	"oneof": func(fe validator.FieldError) string {
		return "one of " + strings.Join(strings.Fields(fe.Param()), ", ")
	},
	"webhookevent": func(validator.FieldError) string { return "one of " + strings.Join(WebhookEvents, ", ") },
	"rolename":     func(validator.FieldError) string { return "a role name: lowercase letters, digits and _" },
	"plaintext":    func(validator.FieldError) string { return "UTF-8 text without control characters" },
	"alt_required": func(validator.FieldError) string {
		return "required when the image is set: describe the picture for people who cannot see it"
	},
	"notself": func(validator.FieldError) string { return "an article cannot relate to itself" },
	"action": func(validator.FieldError) string {
		names := make([]string, 0, 8)
		for _, a := range workflow.Actions() {
			names = append(names, string(a))
		}
		return "one of " + strings.Join(names, ", ")
	},
	"state": func(validator.FieldError) string {
		return "one of draft, in_review, approved, published, unpublished, archived"
	},
}

func dateMessage(fe validator.FieldError) string {
	if fe.Param() == "2006-01-02" {
		return "a date as YYYY-MM-DD"
	}
	return "a time like 2026-03-01T12:00:00Z"
}

// Check validates v, a request DTO, and returns nil or an *Error
// wrapping ErrInvalid whose Fields name each failing path
// (`sections[2].heading`) with the table's message.
func Check(v any) error {
	f := Fields(v)
	if len(f) == 0 {
		return nil
	}
	return Invalid("the request is not valid", f)
}

// Fields is Check's field map (empty when v is valid).
func Fields(v any) map[string]string {
	f := map[string]string{}
	err := validate.Struct(v)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		if err != nil {
			panic(err) // not a struct: a programming error
		}
		return f
	}
	for _, fe := range ves {
		path := fe.Namespace()
		if _, rest, ok := strings.Cut(path, "."); ok {
			path = rest // drop the type name
		}
		if _, seen := f[path]; seen {
			continue
		}
		msg := "is not valid"
		if m, ok := messages[fe.Tag()]; ok {
			msg = m(fe)
		}
		f[path] = msg
	}
	return f
}

// ValidLink reports whether raw is an absolute http(s) URL of at most
// 2,000 bytes (the httpurl rule).
func ValidLink(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(raw) <= 2000
}
