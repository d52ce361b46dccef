package workflow

import (
	"slices"
	"time"
)

// CheckSigner applies the sign-off guards shared by approve and recertify,
// in this order: the signer is not the author (ErrSelfReview) and authored
// or edited no revision since the last sign-off (ErrSelfReview); the
// license is current (CheckLicense, ErrLicense); the re-entered password
// was right (ErrBadPassword); the request names the content the clinician
// read and it is the current content (ErrStaleContent). It does not check
// roles or state; Decide does.
func CheckSigner(now time.Time, a Article, r Request) error {
	actor := r.Actor
	if actor.authors(a) {
		return refuse(ErrSelfReview, "you wrote this article; another clinical reviewer must sign off")
	}
	if actor.ID == "" || slices.Contains(a.EditorsSinceSignoff, actor.ID) {
		return refuse(ErrSelfReview, "you wrote or edited this article since the last sign-off")
	}
	if err := CheckLicense(now, actor.License); err != nil {
		return err
	}
	if !actor.PasswordOK {
		return refuse(ErrBadPassword, "the password you re-entered is not correct")
	}
	if r.ContentHash == "" {
		return refuse(ErrStaleContent, "the request must name the contentHash of the version you read")
	}
	if r.ContentHash != a.ContentHash {
		return refuse(ErrStaleContent, "the article changed after you read it; review the current version before signing")
	}
	return nil
}

// CheckLicense reports, as an *Error wrapping ErrLicense, why l does not
// entitle its holder to sign at now: missing, unverified, an unreadable
// expiry date, or expired. A license is valid through its ExpiresOn day,
// compared with now's date in UTC so that every instance agrees.
func CheckLicense(now time.Time, l *License) error {
	if l == nil {
		return refuse(ErrLicense, "you have no clinician license on file")
	}
	if !l.Verified {
		return refuse(ErrLicense, "your license has not been verified")
	}
	exp, err := time.Parse(time.DateOnly, l.ExpiresOn)
	if err != nil {
		return refuse(ErrLicense, "your license's expiry date %q is not a date (YYYY-MM-DD)", l.ExpiresOn)
	}
	today, _ := time.Parse(time.DateOnly, now.UTC().Format(time.DateOnly))
	if exp.Before(today) {
		return refuse(ErrLicense, "your license expired on %s", exp.Format(time.DateOnly))
	}
	return nil
}

// CheckTake is the Clinician's take rule: a take is one named clinician's
// words, so content carrying a take may be signed (approve, recertify) by
// another clinician only once the take's own clinician has signed exactly
// that text; until then only they can sign it, and their signature is
// then also theirs over the take. Publishing needs the same.
func CheckTake(a Article, actor Actor, signing bool) error {
	if a.TakeClinician == "" || a.TakeSigned {
		return nil
	}
	if signing && actor.ID == a.TakeClinician {
		return nil
	}
	return refuse(ErrTakeUnsigned, "the Clinician's take is credited to a clinician who has not signed these words; they must sign off on this version themselves")
}

// CheckRepublish is the rule for publishing an unpublished article again
// without a new sign-off: its content must be exactly what was signed
// (the approval's hash) and that sign-off must still be current — before
// its re-review date. Otherwise it needs a new sign-off (ErrSignoffNeeded).
func CheckRepublish(now time.Time, a Article) error {
	if a.ApprovalHash == "" || a.ApprovalHash != a.ContentHash {
		return refuse(ErrSignoffNeeded, "the content is not what was signed off; it needs a new sign-off before it can be published again")
	}
	if a.SignoffCurrentUntil.IsZero() {
		return refuse(ErrSignoffNeeded, "its sign-off has no re-review date on record; it needs a new sign-off before it can be published again")
	}
	if !now.Before(a.SignoffCurrentUntil) {
		return refuse(ErrSignoffNeeded, "its sign-off was due for re-review on %s; it needs a new sign-off before it can be published again",
			a.SignoffCurrentUntil.UTC().Format(time.DateOnly))
	}
	return nil
}
