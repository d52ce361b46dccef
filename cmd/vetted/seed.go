package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// DemoPassword is every demo account's password (demo databases only).
const DemoPassword = "vetted-demo-password"

func describeErr(err error) string {
	var me *models.Error
	if errors.As(err, &me) && len(me.Fields) > 0 {
		keys := make([]string, 0, len(me.Fields))
		for k := range me.Fields {
			keys = append(keys, k+": "+me.Fields[k])
		}
		sort.Strings(keys)
		return me.Error() + " (" + strings.Join(keys, "; ") + ")"
	}
	return err.Error()
}

// seed creates the configured admin and, with VETTED_DEMO=1, the demo
// users, articles and delivery token — only on an empty database.
func seed(ctx context.Context, cfg config, a *app, stdout io.Writer) error {
	n, err := a.svc.Users.Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		if cfg.Demo { // a restart of the demo: say again how to sign in
			if u, err := a.svc.Users.ByEmail(ctx, "writer@vetted.local"); err == nil && u != nil {
				fmt.Fprintf(stdout, "Demo data kept from the last start. Sign in as writer@, clinician@, reviewer@, editor@ or admin@vetted.local (password %q).\n", DemoPassword)
			}
		}
		return nil
	}
	if cfg.AdminEmail != "" {
		u, err := a.svc.CreateUser(ctx, nil, service.NewUser{Email: cfg.AdminEmail, Name: "Administrator", Password: cfg.AdminPassword, Roles: []string{models.RoleAdmin}})
		if err != nil {
			return fmt.Errorf("admin %s: %s", cfg.AdminEmail, describeErr(err))
		}
		fmt.Fprintf(stdout, "created admin %s\n", u.Email)
	}
	if cfg.Demo {
		return seedDemo(ctx, a, stdout)
	}
	return nil
}

func seedDemo(ctx context.Context, a *app, stdout io.Writer) error {
	svc := a.svc
	var profiles map[string]service.Profile // their photos are uploaded once the admin exists
	mk := func(email, name string, roles []string, bio, creds string, lic *models.License) (*models.User, error) {
		u, err := svc.CreateUser(ctx, nil, service.NewUser{Email: email, Name: name, Password: DemoPassword, Roles: roles, Bio: bio, Credentials: creds, License: lic, Profile: profiles[email]})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %s", email, describeErr(err))
		}
		return u, nil
	}
	admin, err := mk("admin@vetted.local", "Ada Admin", []string{models.RoleAdmin}, "", "", nil)
	if err != nil {
		return err
	}
	images, err := uploadDemoImages(ctx, a.media, admin)
	if err != nil {
		return err
	}
	profile := func(key, title string) service.Profile {
		photo := images[key+".jpg"]
		return service.Profile{Title: title, URL: "https://example.org/people/" + key, PhotoURL: smallest(photo), PhotoAlt: photo.Alt}
	}
	profiles = map[string]service.Profile{
		"writer@vetted.local":    profile("wren", "Staff writer"),
		"clinician@vetted.local": profile("casey", "Clinical reviewer"),
		"reviewer@vetted.local":  profile("morgan", "Clinical reviewer"),
	}
	writer, err := mk("writer@vetted.local", "Wren Writer", []string{models.RoleWriter},
		"Wren writes about everyday mental health, with a focus on practical skills readers can try the same day.", "", nil)
	if err != nil {
		return err
	}
	expires := time.Now().AddDate(2, 0, 0).Format("2006-01-02")
	clin, err := mk("clinician@vetted.local", "Casey Clinician", []string{models.RoleClinicalReviewer},
		"Casey is a licensed professional counselor who reviews articles on anxiety, mood and sleep.", "MA, LPC",
		&models.License{Type: "LPC", Number: "LPC-104233", Jurisdiction: "Oregon", ExpiresOn: expires})
	if err != nil {
		return err
	}
	reviewer, err := mk("reviewer@vetted.local", "Morgan Reviewer", []string{models.RoleClinicalReviewer},
		"Morgan is a licensed clinical social worker who re-reviews published articles on a yearly cycle.", "LCSW",
		&models.License{Type: "LCSW", Number: "LCSW-88120", Jurisdiction: "Oregon", ExpiresOn: expires})
	if err != nil {
		return err
	}
	editor, err := mk("editor@vetted.local", "Eli Editor", []string{models.RoleEditor}, "", "", nil)
	if err != nil {
		return err
	}
	if clin, err = svc.VerifyLicense(ctx, admin, clin.ID); err != nil {
		return err
	}
	if reviewer, err = svc.VerifyLicense(ctx, admin, reviewer.ID); err != nil {
		return err
	}
	if _, err := svc.PutSettings(ctx, admin, models.Settings{
		Publisher: models.Publisher{Name: "Vetted Demo Health", URL: "https://example.org"},
		EditorialPolicy: models.EditorialPolicy{Statement: "Every piece of content is thoroughly reviewed by a licensed clinician before publishing.",
			URL: "https://example.org/editorial-process"},
	}); err != nil {
		return fmt.Errorf("demo settings: %s", describeErr(err))
	}
	arts := demoArticles(clin.ID, images["calm-window.jpg"])
	step := func(id, action string, u *models.User, extra service.TransitionRequest) error {
		extra.Action = action
		if action == "approve" || action == "recertify" {
			cur, err := svc.GetArticle(ctx, id)
			if err != nil {
				return err
			}
			extra.Password, extra.ContentHash = DemoPassword, cur.ContentHash
		}
		_, err := svc.Transition(ctx, u, id, extra)
		if err != nil {
			return fmt.Errorf("demo %s: %s", action, describeErr(err))
		}
		return nil
	}
	// States: published (first published elsewhere in 2021, imported;
	// Casey's take, re-certified by Morgan), approved (sensitive topic
	// with crisis block), in review, draft.
	plan := [][]string{{"submit", "approve", "publish", "recertify"}, {"submit", "approve"}, {"submit"}, {}}
	firstPublished := time.Date(2021, 3, 15, 9, 0, 0, 0, time.UTC)
	for i, c := range arts {
		var art *models.Article
		if i == 0 {
			ids, err := svc.Import(ctx, writer, []service.ImportRecord{{Content: c, FirstPublishedAt: &firstPublished}})
			if err != nil {
				return fmt.Errorf("demo import %q: %s", c.Title, describeErr(err))
			}
			art = &models.Article{ID: ids[0]}
		} else if art, err = svc.CreateArticle(ctx, writer, c); err != nil {
			return fmt.Errorf("demo article %q: %s", c.Title, describeErr(err))
		}
		for _, act := range plan[i] {
			u := writer
			switch act {
			case "approve":
				u = clin
			case "recertify":
				u = reviewer
			case "publish":
				u = editor
			}
			if err := step(art.ID, act, u, service.TransitionRequest{}); err != nil {
				return err
			}
		}
	}
	_, token, err := svc.CreateToken(ctx, admin, service.NewToken{Name: "demo site"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `
Demo data created. Sign in at /admin/ with any of these (password %q):
  writer@vetted.local      writer
  clinician@vetted.local   clinical_reviewer (Casey Clinician, MA, LPC; license verified)
  reviewer@vetted.local    clinical_reviewer (Morgan Reviewer, LCSW; license verified)
  editor@vetted.local      editor
  admin@vetted.local       admin
Delivery API token (shown once): %s
`, DemoPassword, token)
	return nil
}

// demoArticles are the demo's articles; their Clinician's takes are
// Casey's words (clinician is Casey's user id).
func demoArticles(casey string, hero *models.Media) []models.Content {
	take := func(s string) *models.ClinicianTake { return &models.ClinicianTake{Body: s, Clinician: casey} }
	cta := &models.CTA{Heading: "Talk to someone", Body: "If these feelings get in the way of daily life, a **licensed therapist** can help you make a plan.", Label: "Find a therapist", URL: "https://example.org/find-care"}
	return []models.Content{
		{
			Title:   "What a Panic Attack Feels Like, and What Helps in the Moment",
			Summary: "Panic attacks are intense but time-limited. Knowing the signs and a few grounding steps can make them less frightening.",
			KeyTakeaways: []string{
				"A panic attack usually peaks within about ten minutes.",
				"Slow breathing with a longer exhale calms the body's alarm response.",
				"Repeated attacks, or fear of the next one, are worth raising with a clinician.",
			},
			Sections: []models.Section{
				{Body: "A panic attack can arrive out of nowhere. It is frightening, but it is not dangerous, and it passes."},
				{Heading: "The signs", Body: "People describe a racing heart, shortness of breath, shaking, tingling hands and a strong sense that something terrible is about to happen.\n\nThese sensations are the body's **alarm system** firing when there is no danger to fight or flee."},
				{Heading: "What helps right now", Body: "- Breathe in for four counts and out for six.\n- Name five things you can see and four you can hear.\n- Remind yourself: this will pass, and it is not dangerous."},
				{Heading: "When to get support", Body: "If attacks keep coming back, or you avoid places because of them, talk with a clinician. Cognitive behavioral therapy has strong evidence for panic disorder."},
			},
			ClinicianTake: take("Panic feels like an emergency, but it is your nervous system overreacting. Practicing the breathing when you are calm makes it far easier to use when panic starts."),
			HeroImage:     &models.Image{MediaID: hero.ID, Alt: hero.Alt, Caption: hero.Caption, Credit: hero.Credit},
			Topics:        []string{"anxiety", "panic"},
			CTA:           cta,
			SEO:           &models.SEO{Title: "Panic attacks: signs and what helps", Description: "How a panic attack feels, why it happens, and grounding steps that help in the moment."},
		},
		{
			Title:   "Supporting a Teen Who Is Self-Harming",
			Summary: "Finding out a teenager is hurting themselves is frightening. Calm, non-judgmental conversation and professional help make a difference.",
			KeyTakeaways: []string{
				"Stay calm and lead with concern rather than punishment.",
				"Self-harm is usually a way of coping with overwhelming feelings.",
				"Involve a mental health professional, and know the crisis line: call or text 988.",
			},
			Sections: []models.Section{
				{Heading: "Starting the conversation", Body: "Choose a private, unhurried moment. Say what you noticed and that you care. Listen more than you speak."},
				{Heading: "Getting help", Body: "A pediatrician, school counselor or therapist can assess risk and suggest treatment such as dialectical behavior therapy skills."},
				{Heading: "Crisis resources", Body: "If your teen is in immediate danger, call 911. For urgent support in the US, call or text **988** (Suicide & Crisis Lifeline), available 24 hours a day."},
			},
			ClinicianTake: take("Most teens who self-harm are not trying to end their lives, but every instance deserves a professional assessment. Your steady presence matters more than finding perfect words."),
			Topics:        []string{"self-harm", "parenting"},
			CTA:           cta,
		},
		{
			Title:   "How Sleep and Low Mood Feed Each Other",
			Summary: "Poor sleep and low mood often travel together. Small, consistent changes to sleep habits can lift both.",
			KeyTakeaways: []string{
				"Insomnia raises the risk of depression, and depression disrupts sleep.",
				"A fixed wake-up time is the single most useful habit.",
			},
			Sections: []models.Section{
				{Heading: "A two-way street", Body: "Short or broken sleep makes emotions harder to regulate. Low mood, in turn, brings early waking and restless nights."},
				{Heading: "Habits that help", Body: "Get up at the same time every day, get daylight in the morning, and keep the bed for sleep."},
			},
			Topics: []string{"depression", "sleep"},
		},
		{
			Title:        "Grounding Techniques for Anxious Moments",
			Summary:      "A draft collection of simple grounding exercises.",
			KeyTakeaways: []string{"Grounding shifts attention from worry to the present."},
			Sections:     []models.Section{{Heading: "The 5-4-3-2-1 exercise", Body: "Notice five things you see, four you feel, three you hear, two you smell and one you taste."}},
			Topics:       []string{"anxiety"},
		},
	}
}
