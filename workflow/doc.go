// Package workflow is Vetted's clinical review gate, with no I/O: the
// article states, the actions between them, and the guards that make the
// product's one promise hold — no content goes live unless a licensed
// clinician who did not write it signed off on exactly that content.
//
// Everything here is a pure function of its arguments and an injected
// clock, so the whole decision space can be tested exhaustively. Callers
// load what the functions need (the article's status, authors, hashes, the
// actor's roles and license, whether the re-entered password was right),
// ask Decide, CanEdit or Available, and then persist the outcome.
//
// Decide checks, in this order, and reports the first failure:
//
//  1. who: the actor's roles (and, for a writer, authorship) permit the
//     action at all — otherwise ErrForbidden;
//  2. where: the article's status is one the action starts from —
//     otherwise ErrInvalidState;
//  3. the action's guards (self-review, license, password, content hash,
//     readiness, live version) in the order documented on each action.
//
// The admin role grants no workflow action: there is no force-publish.
// A user holding several roles may do what any of them allows.
package workflow
