package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUsersAPI(t *testing.T) {
	a := newTestApp(t)
	w, c, adm := a.Users[asWriter], a.Users[asClinician], a.Users[asAdmin]
	u := func(id string) string { return "/api/admin/users/" + id }
	email := fmt.Sprintf("new%d@example.org", next())
	runScenarios(t, a, []scenario{
		{Name: "admin lists", Method: http.MethodGet, URL: "/api/admin/users", As: asAdmin, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`"items":[`, w.Email, c.Email}, NotExpectedContent: []string{"argon2", "passwordHash", "sessionEpoch", "failedLogins"}},
		{Name: "admin creates", Method: http.MethodPost, URL: "/api/admin/users", As: asAdmin,
			Body:           fmt.Sprintf(`{"email":%q,"name":"New Person","password":"twelve-chars","roles":["writer","editor"],"bio":"hi"}`, strings.ToUpper(email)),
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"email":"` + email + `"`, `"roles":["editor","writer"]`, `"active":true`},
			NotExpectedContent: []string{"twelve-chars", "argon2"}},
		{Name: "email taken", Method: http.MethodPost, URL: "/api/admin/users", As: asAdmin,
			Body:           fmt.Sprintf(`{"email":%q,"name":"Dup","password":"twelve-chars","roles":["writer"]}`, email),
			ExpectedStatus: http.StatusConflict, ExpectedContent: []string{`"email"`}},
		{Name: "password of 11", Method: http.MethodPost, URL: "/api/admin/users", As: asAdmin,
			Body:           `{"email":"p11@example.org","name":"P","password":"eleven-char","roles":["writer"]}`,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"password":"at least 12 characters"`}},
		{Name: "unknown role", Method: http.MethodPost, URL: "/api/admin/users", As: asAdmin,
			Body:           `{"email":"r@example.org","name":"R","password":"twelve-chars","roles":["superuser"]}`,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"roles[0]"`}},
		{Name: "license verification cannot be sent", Method: http.MethodPost, URL: "/api/admin/users", As: asAdmin,
			Body:           `{"email":"lv@example.org","name":"L","password":"twelve-chars","roles":["clinical_reviewer"],"license":{"type":"LPC","number":"1","jurisdiction":"OR","expiresOn":"2099-01-01","verifiedAt":"2020-01-01T00:00:00Z","verifiedBy":"me"}}`,
			ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"verifiedAt":null`, `"verifiedBy":""`}},
		{Name: "writer cannot create", Method: http.MethodPost, URL: "/api/admin/users", As: asWriter,
			Body: `{"email":"w@example.org","name":"W","password":"twelve-chars","roles":["admin"]}`, ExpectedStatus: http.StatusForbidden},
		{Name: "self get", Method: http.MethodGet, URL: u(w.ID), As: asWriter, ExpectedStatus: http.StatusOK, ExpectedContent: []string{w.Email}},
		{Name: "other get", Method: http.MethodGet, URL: u(c.ID), As: asWriter, ExpectedStatus: http.StatusForbidden},
		{Name: "admin gets any", Method: http.MethodGet, URL: u(c.ID), As: asAdmin, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"credentials":"MA, LPC"`}},
		{Name: "unknown user", Method: http.MethodGet, URL: u("u_nope"), As: asAdmin, ExpectedStatus: http.StatusNotFound},
		{Name: "self name and bio", Method: http.MethodPatch, URL: u(w.ID), As: asWriter, Body: `{"name":"Wren W.","bio":"New bio"}`,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"name":"Wren W."`, `"bio":"New bio"`}},
		{Name: "self roles", Method: http.MethodPatch, URL: u(w.ID), As: asWriter, Body: `{"roles":["admin"]}`, ExpectedStatus: http.StatusForbidden},
		{Name: "self active", Method: http.MethodPatch, URL: u(w.ID), As: asWriter, Body: `{"active":true}`, ExpectedStatus: http.StatusForbidden},
		{Name: "self credentials", Method: http.MethodPatch, URL: u(c.ID), As: asClinician, Body: `{"credentials":"MD"}`, ExpectedStatus: http.StatusForbidden},
		{Name: "self license", Method: http.MethodPatch, URL: u(c.ID), As: asClinician,
			Body: `{"license":{"type":"MD","number":"9","jurisdiction":"OR","expiresOn":"2099-01-01"}}`, ExpectedStatus: http.StatusForbidden},
		{Name: "other's profile", Method: http.MethodPatch, URL: u(c.ID), As: asWriter, Body: `{"name":"Mallory"}`, ExpectedStatus: http.StatusForbidden},
		{Name: "admin own roles", Method: http.MethodPatch, URL: u(adm.ID), As: asAdmin, Body: `{"roles":["admin","clinical_reviewer"]}`, ExpectedStatus: http.StatusForbidden},
		{Name: "admin own activation", Method: http.MethodPatch, URL: u(adm.ID), As: asAdmin, Body: `{"active":false}`, ExpectedStatus: http.StatusForbidden},
		{Name: "password without current", Method: http.MethodPatch, URL: u(w.ID), As: asWriter, Body: `{"password":"another-long-one"}`,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"currentPassword"`}},
		{Name: "password too short", Method: http.MethodPatch, URL: u(w.ID), As: asWriter,
			Body: `{"password":"short","currentPassword":"` + testPassword + `"}`, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"password"`}},
		{Name: "admin verifies", Method: http.MethodPost, URL: u(c.ID) + "/license/verify", As: asAdmin, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`"verifiedBy":"` + adm.ID + `"`}},
		{Name: "no license to verify", Method: http.MethodPost, URL: u(w.ID) + "/license/verify", As: asAdmin, ExpectedStatus: http.StatusBadRequest},
		{Name: "admin changes the license: verification cleared", Method: http.MethodPatch, URL: u(c.ID), As: asAdmin,
			Body:           `{"license":{"type":"LPC","number":"LPC-2","jurisdiction":"Oregon","expiresOn":"2099-12-31","verifiedAt":"2020-01-01T00:00:00Z","verifiedBy":"` + adm.ID + `"}}`,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"number":"LPC-2"`, `"verifiedAt":null`}},
		{Name: "bad license date", Method: http.MethodPatch, URL: u(c.ID), As: asAdmin,
			Body: `{"license":{"type":"LPC","number":"LPC-2","jurisdiction":"Oregon","expiresOn":"31/12/2099"}}`, ExpectedStatus: http.StatusBadRequest,
			ExpectedContent: []string{`"license.expiresOn"`}},
	})
	if got, _ := a.Svc.Users.Get(t.Context(), c.ID); got.License == nil || got.License.VerifiedAt != nil || got.License.Number != "LPC-2" {
		t.Errorf("stored license after a change: %+v", got.License)
	}
}

// TestNobodyVerifiesTheirOwnLicense: an admin who is also a clinician.
func TestNobodyVerifiesTheirOwnLicense(t *testing.T) {
	a := newTestApp(t)
	res := a.do(http.MethodPatch, "/api/admin/users/"+a.Users[asAdmin].ID, `{"license":{"type":"MD","number":"1","jurisdiction":"OR","expiresOn":"2099-01-01"}}`, nil, asAdmin)
	if res.Code != http.StatusOK {
		t.Fatalf("admin sets own license: %d %s", res.Code, res.Body)
	}
	scenario{Name: "self verify", Method: http.MethodPost, URL: "/api/admin/users/" + a.Users[asAdmin].ID + "/license/verify", As: asAdmin,
		ExpectedStatus: http.StatusForbidden, ExpectedContent: []string{"own license"}}.run(t, a)
	if got, _ := a.Svc.Users.Get(t.Context(), a.Users[asAdmin].ID); got.License.VerifiedAt != nil {
		t.Fatal("own license verified")
	}
}

// TestSessionsEnd: sign-out, a password change and deactivation end
// sessions everywhere; a wrong current password changes nothing.
func TestSessionsEnd(t *testing.T) {
	a := newTestApp(t)
	w := a.Users[asWriter]
	me := scenario{Name: "me", Method: http.MethodGet, URL: "/api/admin/me", ExpectedStatus: http.StatusOK}

	// /me and sign-out.
	a.Tokens["s1"] = a.login(w.Email, testPassword)
	me.As, me.ExpectedContent = "s1", []string{`"csrfToken"`, w.Email}
	me.run(t, a)
	scenario{Name: "logout", Method: http.MethodDelete, URL: "/api/admin/session", As: "s1", ExpectedStatus: http.StatusNoContent,
		After: func(t *testing.T, res *httptest.ResponseRecorder) {
			if ck := res.Header().Get("Set-Cookie"); !strings.Contains(ck, "vetted_session=;") || !strings.Contains(ck, "Max-Age=0") {
				t.Errorf("logout does not clear the cookie: %q", ck)
			}
		}}.run(t, a)
	scenario{Name: "after logout", Method: http.MethodGet, URL: "/api/admin/me", As: "s1", ExpectedStatus: http.StatusUnauthorized}.run(t, a)
	scenario{Name: "no session", Method: http.MethodGet, URL: "/api/admin/me", ExpectedStatus: http.StatusUnauthorized}.run(t, a)
	scenario{Name: "not bearer", Method: http.MethodGet, URL: "/api/admin/me", Headers: map[string]string{"Authorization": "Basic eDp5"},
		ExpectedStatus: http.StatusUnauthorized}.run(t, a)

	// A wrong current password: 400 and the name is not changed either.
	before := a.tail()
	scenario{Name: "wrong current password", Method: http.MethodPatch, URL: "/api/admin/users/" + w.ID, As: asWriter,
		Body:           `{"name":"Half Written","password":"a-brand-new-password","currentPassword":"wrong-password!"}`,
		ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"currentPassword"`}}.run(t, a)
	if got, _ := a.Svc.Users.Get(t.Context(), w.ID); got.Name != w.Name {
		t.Errorf("a refused patch changed the name to %q", got.Name)
	}
	if a.tail() != before {
		t.Errorf("a refused patch wrote an event")
	}

	// Password change: every session of the user ends, the new password works.
	other := a.login(w.Email, testPassword)
	a.Tokens["other"] = other
	scenario{Name: "change password", Method: http.MethodPatch, URL: "/api/admin/users/" + w.ID, As: asWriter,
		Body: `{"password":"a-brand-new-password","currentPassword":"` + testPassword + `"}`, ExpectedStatus: http.StatusOK}.run(t, a)
	for _, s := range []string{asWriter, "other"} {
		scenario{Name: "old session " + s, Method: http.MethodGet, URL: "/api/admin/me", As: s, ExpectedStatus: http.StatusUnauthorized}.run(t, a)
	}
	a.Tokens[asWriter] = a.login(w.Email, "a-brand-new-password")
	me.As, me.ExpectedContent = asWriter, []string{w.Email}
	me.run(t, a)

	// Deactivation: sessions end and sign-in gives the usual answer.
	scenario{Name: "deactivate", Method: http.MethodPatch, URL: "/api/admin/users/" + w.ID, As: asAdmin, Body: `{"active":false}`,
		ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"active":false`}}.run(t, a)
	scenario{Name: "deactivated session", Method: http.MethodGet, URL: "/api/admin/me", As: asWriter, ExpectedStatus: http.StatusUnauthorized}.run(t, a)
	scenario{Name: "deactivated login", Method: http.MethodPost, URL: "/api/admin/session",
		Body: fmt.Sprintf(`{"email":%q,"password":"a-brand-new-password"}`, w.Email), ExpectedStatus: http.StatusUnauthorized}.run(t, a)

	// Role change by an admin ends sessions too.
	e := a.Users[asEditor]
	scenario{Name: "role change", Method: http.MethodPatch, URL: "/api/admin/users/" + e.ID, As: asAdmin, Body: `{"roles":["writer"]}`,
		ExpectedStatus: http.StatusOK}.run(t, a)
	scenario{Name: "session after role change", Method: http.MethodGet, URL: "/api/admin/me", As: asEditor, ExpectedStatus: http.StatusUnauthorized}.run(t, a)
}

// TestLogin: one answer for an unknown account and a wrong password;
// lockout after repeated failures, even for the right password.
func TestLogin(t *testing.T) {
	a := newTestApp(t)
	w := a.Users[asWriter]
	login := func(email, pw string) *httptest.ResponseRecorder {
		return a.do(http.MethodPost, "/api/admin/session", fmt.Sprintf(`{"email":%q,"password":%q}`, email, pw), nil, asNone)
	}
	unknown := login("nobody@example.org", "whatever-password")
	wrong := login(w.Email, "whatever-password")
	if unknown.Code != http.StatusUnauthorized || wrong.Code != unknown.Code || wrong.Body.String() != unknown.Body.String() {
		t.Fatalf("unknown user: %d %s; wrong password: %d %s", unknown.Code, unknown.Body, wrong.Code, wrong.Body)
	}
	ok := login(strings.ToUpper(w.Email), testPassword)
	if ok.Code != http.StatusOK {
		t.Fatalf("login with upper-case email: %d %s", ok.Code, ok.Body)
	}
	ck := ok.Header().Get("Set-Cookie")
	for _, want := range []string{"vetted_session=vs_", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ok.Body.String(), "argon2") {
		t.Errorf("login answer shows the password hash")
	}
	// Four failures in a row are not a lock; the right password resets.
	for i := 0; i < 4; i++ {
		if res := login(w.Email, "wrong-password-again"); res.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, res.Code)
		}
	}
	if res := login(w.Email, testPassword); res.Code != http.StatusOK {
		t.Fatalf("after 4 failures: %d %s", res.Code, res.Body)
	}
	for i := 0; i < 5; i++ {
		login(w.Email, "wrong-password-again")
	}
	res := login(w.Email, testPassword)
	if res.Code != http.StatusTooManyRequests || !strings.Contains(res.Body.String(), `"locked"`) {
		t.Fatalf("locked account with the right password: %d %s", res.Code, res.Body)
	}
}

// TestCookieAuthNeedsCSRF: cookie-authenticated writes need the session's
// X-CSRF-Token and, when sent, the server's own Origin; reads do not;
// bearer callers need neither.
func TestCookieAuthNeedsCSRF(t *testing.T) {
	a := newTestApp(t)
	res := a.do(http.MethodPost, "/api/admin/session", fmt.Sprintf(`{"email":%q,"password":%q}`, a.Users[asWriter].Email, testPassword), nil, asNone)
	var s struct{ Token, CSRFToken string }
	mustJSON(t, res.Body.Bytes(), &s)
	if s.CSRFToken == "" {
		t.Fatal("no csrfToken in the login answer")
	}
	cookie := "vetted_session=" + s.Token
	create := func(name string, hdr map[string]string, status int) {
		hdr["Cookie"] = cookie
		scenario{Name: name, Method: http.MethodPost, URL: "/api/admin/articles", Body: anArticle().json(), Headers: hdr, ExpectedStatus: status}.run(t, a)
	}
	before := a.tail()
	create("cookie without token", map[string]string{}, http.StatusForbidden)
	create("cookie with a wrong token", map[string]string{"X-CSRF-Token": strings.Repeat("0", 40)}, http.StatusForbidden)
	create("another session's token", map[string]string{"X-CSRF-Token": csrfOf(t, a, asEditor)}, http.StatusForbidden)
	create("foreign origin", map[string]string{"X-CSRF-Token": s.CSRFToken, "Origin": "https://evil.example"}, http.StatusForbidden)
	create("look-alike origin", map[string]string{"X-CSRF-Token": s.CSRFToken, "Origin": "http://example.com.evil.example"}, http.StatusForbidden)
	create("null origin", map[string]string{"X-CSRF-Token": s.CSRFToken, "Origin": "null"}, http.StatusForbidden)
	if a.tail() != before {
		t.Fatal("a refused cookie write was written")
	}
	scenario{Name: "cookie read needs no token", Method: http.MethodGet, URL: "/api/admin/me", Headers: map[string]string{"Cookie": cookie},
		ExpectedStatus: http.StatusOK, ExpectedContent: []string{s.CSRFToken}}.run(t, a)
	create("cookie with token", map[string]string{"X-CSRF-Token": s.CSRFToken}, http.StatusCreated)
	create("cookie with token and own origin", map[string]string{"X-CSRF-Token": s.CSRFToken, "Origin": "http://example.com"}, http.StatusCreated)
	scenario{Name: "bearer needs no token", Method: http.MethodPost, URL: "/api/admin/articles", Body: anArticle().json(), As: asWriter,
		Headers: map[string]string{"Origin": "https://evil.example"}, ExpectedStatus: http.StatusCreated}.run(t, a)
	scenario{Name: "cookie logout needs the token", Method: http.MethodDelete, URL: "/api/admin/session",
		Headers: map[string]string{"Cookie": cookie}, ExpectedStatus: http.StatusForbidden}.run(t, a)
}

func csrfOf(t *testing.T, a *testApp, as string) string {
	t.Helper()
	res := a.do(http.MethodGet, "/api/admin/me", "", nil, as)
	var m struct{ CSRFToken string }
	mustJSON(t, res.Body.Bytes(), &m)
	return m.CSRFToken
}
