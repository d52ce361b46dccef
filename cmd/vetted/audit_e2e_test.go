package main_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// testAuditFilters: user, role, license and token changes are events;
// GET /api/admin/audit filters by article, actor, action and time exactly
// like filtering the whole trail by hand; secrets never enter it.
func testAuditFilters(t *testing.T, bin string) {
	p := startVetted(t, bin, t.TempDir())
	defer p.stop()
	admin := login(t, p.base, procAdminEmail)
	var me struct {
		User procUser `json:"user"`
	}
	admin.must(t, 200, "GET", "/api/admin/me", nil, &me)
	adminID := me.User.ID

	writer := createUser(t, admin, "writer@audit.test", []string{"writer"}, false)
	clin := createUser(t, admin, "clin@audit.test", []string{"clinical_reviewer"}, true)
	editor := createUser(t, admin, "editor@audit.test", []string{"editor"}, false)
	admin.must(t, 200, "PATCH", "/api/admin/users/"+editor.ID, map[string]any{"roles": []string{"editor", "writer"}}, nil)
	admin.must(t, 200, "PATCH", "/api/admin/users/"+clin.ID, map[string]any{"license": map[string]string{
		"type": "MD", "number": "MD-RENEWED", "jurisdiction": "Oregon", "expiresOn": time.Now().AddDate(3, 0, 0).Format(time.DateOnly)}}, nil)
	admin.must(t, 200, "POST", "/api/admin/users/"+clin.ID+"/license/verify", nil, nil)
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	admin.must(t, 201, "POST", "/api/admin/tokens", map[string]string{"name": "website"}, &tok)

	w := login(t, p.base, "writer@audit.test")
	c := login(t, p.base, "clin@audit.test")
	ed := login(t, p.base, "editor@audit.test")
	var a, b procArticle
	w.must(t, 201, "POST", "/api/admin/articles", procContent("audited-a", 0), &a)
	w.must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "submit"}, &a)
	read := a.ContentHash // what the clinician opens
	w.must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "withdraw"}, &a)
	w.must(t, 200, "PUT", "/api/admin/articles/"+a.ID, procContent("audited-a", 1), &a, "If-Match", fmt.Sprintf(`"%d"`, a.Version))
	w.must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "submit"}, &a)
	var stale struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	c.must(t, 409, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "approve", "password": procPassword, "contentHash": read}, &stale)
	if stale.Error.Code != "stale_content" {
		t.Fatalf("approve of unseen content: code %q; want stale_content", stale.Error.Code)
	}
	c.must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "approve", "password": procPassword, "contentHash": a.ContentHash}, &a)
	ed.must(t, 200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]string{"action": "publish"}, &a)
	w.must(t, 201, "POST", "/api/admin/articles", procContent("audited-b", 0), &b)
	ed.must(t, 200, "PUT", "/api/admin/articles/"+b.ID, procContent("audited-b", 1), &b, "If-Match", `"1"`)

	get := func(q url.Values) []procEvent {
		t.Helper()
		q.Set("limit", "1000")
		var out struct {
			Items []procEvent `json:"items"`
		}
		admin.must(t, 200, "GET", "/api/admin/audit?"+q.Encode(), nil, &out)
		return out.Items
	}
	all := get(url.Values{})
	find := func(action, subject string, pred func(procEvent) bool) procEvent {
		t.Helper()
		for _, ev := range all {
			if ev.Action == action && ev.Subject == subject && (pred == nil || pred(ev)) {
				return ev
			}
		}
		t.Fatalf("no %s event about %s in the audit trail", action, subject)
		return procEvent{}
	}
	for _, u := range []procUser{writer, clin, editor} {
		if ev := find("user.create", u.ID, nil); ev.Actor != adminID || !strings.Contains(ev.Data.Changes["email"], u.Email) {
			t.Errorf("user.create of %s: %+v", u.Email, ev)
		}
	}
	find("user.update", editor.ID, func(ev procEvent) bool {
		return ev.Actor == adminID && strings.Contains(ev.Data.Changes["roles"], "writer")
	})
	find("user.update", clin.ID, func(ev procEvent) bool {
		return ev.Actor == adminID && strings.Contains(ev.Data.Changes["license"], "MD-RENEWED") && strings.Contains(ev.Data.Changes["license"], "cleared")
	})
	verifies := 0
	for _, ev := range all {
		if ev.Action == "user.license_verify" && ev.Subject == clin.ID && ev.Actor == adminID {
			verifies++
		}
	}
	if verifies != 2 {
		t.Errorf("%d license verifications of the clinician on record; want 2", verifies)
	}
	find("token.create", tok.ID, func(ev procEvent) bool { return ev.Actor == adminID })
	_, raw, err := admin.call(t.Context(), "GET", "/api/admin/audit?limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{procPassword, tok.Token, w.token} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("a secret is in the audit trail: %q", secret)
		}
	}

	// Every filter equals filtering the whole trail by hand.
	mid := all[len(all)/2].At
	late := all[len(all)/4].At // the trail is newest first
	cases := []struct {
		name string
		q    url.Values
		keep func(procEvent) bool
	}{
		{"article", url.Values{"articleId": {a.ID}}, func(ev procEvent) bool { return ev.ArticleID == a.ID }},
		{"actor", url.Values{"actor": {editor.ID}}, func(ev procEvent) bool { return ev.Actor == editor.ID }},
		{"action", url.Values{"action": {"submit"}}, func(ev procEvent) bool { return ev.Action == "submit" }},
		{"since", url.Values{"since": {mid.Format(time.RFC3339Nano)}}, func(ev procEvent) bool { return !ev.At.Before(mid) }},
		{"until", url.Values{"until": {mid.Format(time.RFC3339Nano)}}, func(ev procEvent) bool { return !ev.At.After(mid) }},
		{"window and actor", url.Values{"since": {mid.Format(time.RFC3339Nano)}, "until": {late.Format(time.RFC3339Nano)}, "actor": {writer.ID}},
			func(ev procEvent) bool { return !ev.At.Before(mid) && !ev.At.After(late) && ev.Actor == writer.ID }},
		{"article and action", url.Values{"articleId": {a.ID}, "action": {"approve"}}, func(ev procEvent) bool { return ev.ArticleID == a.ID && ev.Action == "approve" }},
	}
	for _, tc := range cases {
		var want []int64
		for _, ev := range all {
			if tc.keep(ev) {
				want = append(want, ev.Seq)
			}
		}
		var got []int64
		for _, ev := range get(tc.q) {
			got = append(got, ev.Seq)
		}
		if len(want) == 0 || len(want) == len(all) {
			t.Errorf("%s: the case selects %d of %d events; it would not tell a broken filter", tc.name, len(want), len(all))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s (%s): got seqs %v; want %v", tc.name, tc.q.Encode(), got, want)
		}
	}
	if got := get(url.Values{"articleId": {a.ID}, "action": {"approve"}}); len(got) != 1 || got[0].Data.ContentHash != a.ContentHash {
		t.Errorf("approve events of %s: %+v; want one, for the content that was published", a.ID, got)
	}
	admin.must(t, 400, "GET", "/api/admin/audit?since=yesterday", nil, nil)
	w.must(t, 403, "GET", "/api/admin/audit", nil, nil)
	w.must(t, 403, "GET", "/api/admin/audit/verify", nil, nil)
}
