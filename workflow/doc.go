// Package workflow is Vetted's clinical review gate, with no I/O: the
// article states, the actions between them, and the guards that make the
// product's one promise hold — no content goes live unless a licensed
// clinician who did not write it signed off on exactly that content.
//
// Everything here is a pure function of its arguments and an injected
// clock, so the whole decision space can be tested exhaustively. Callers
// load what the functions need (the article's status, authors, hashes, the
// actor's rights as the casbin policy grants them, license, whether the
// re-entered password was right),
// ask Decide, CanEdit or Available, and then persist the outcome.
//
// Decide checks, in this order, and reports the first failure:
//
//  1. who: the actor's rights (from the policy, for articles they author
//     or anyone's) include the action — otherwise ErrForbidden;
//  2. where: the article's status is one the action starts from —
//     otherwise ErrInvalidState;
//  3. the action's guards (self-review, license, password, content hash,
//     readiness, live version) in the order documented on each action.
//
// This package names no role: which role may take which action is the
// policy's alone. Its guards hold for every role alike, so a policy can
// give a role any right but never a way around author ≠ signer, a current
// license or the content hash.
package workflow
