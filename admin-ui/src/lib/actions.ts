import type { AllowedAction, Article, Signature, User } from './types';

export type Action = 'submit' | 'withdraw' | 'request_changes' | 'approve' | 'publish' | 'unschedule' | 'unpublish' | 'recertify' | 'archive';

export const ACTIONS: Action[] = ['submit', 'withdraw', 'request_changes', 'approve', 'publish', 'unschedule', 'unpublish', 'recertify', 'archive'];

/**
 * Whether the server's policy lets the user take an article action (create,
 * edit or a workflow action) on an article: their own (or a new one) or
 * someone else's. The per-article guards still come from the server.
 */
export function mayOnArticle(user: Pick<User, 'id' | 'permissions'>, article: { authorId?: string } | null | undefined, action: string): boolean {
  const p = user.permissions;
  if (!p) return false;
  const own = !article || article.authorId === user.id;
  return (own ? p.ownArticles : p.otherArticles).includes(action);
}

/** Whether the policy lets the user take the action on anyone's article. */
export function mayAnywhere(user: Pick<User, 'permissions'>, action: string): boolean {
  const p = user.permissions;
  return !!p && (p.ownArticles.includes(action) || p.otherArticles.includes(action));
}

/** Whether the policy lets the user call a route ("GET /api/admin/users"). */
export function mayCall(user: Pick<User, 'permissions'>, route: string): boolean {
  return !!user.permissions?.routes.includes(route);
}

export const ACTION_LABELS: Record<Action, string> = {
  submit: 'Submit for clinical review',
  withdraw: 'Withdraw from review',
  request_changes: 'Request changes',
  approve: 'Sign off',
  recertify: 'Re-certify',
  publish: 'Publish',
  unschedule: 'Cancel the schedule',
  unpublish: 'Unpublish',
  archive: 'Archive',
};

/** Whether an action applies to the article's state at all (the state machine). */
export function applicable(action: Action, a: Pick<Article, 'status' | 'live'> & { scheduledAt?: string | null }): boolean {
  switch (action) {
    case 'submit':
      return a.status === 'draft';
    case 'withdraw':
    case 'request_changes':
    case 'approve':
      return a.status === 'in_review';
    case 'publish':
      // From unpublished: again without a new sign-off when the server allows it.
      return a.status === 'approved' || a.status === 'unpublished';
    case 'unschedule':
      return a.status === 'approved' && !!a.scheduledAt;
    case 'unpublish':
      return !!a.live;
    case 'recertify':
      return a.status === 'published' && !!a.live;
    case 'archive':
      return (a.status === 'draft' || a.status === 'approved' || a.status === 'unpublished') ;
  }
}

export interface ActionView {
  action: Action;
  label: string;
  allowed: boolean;
  reason?: string;
}

/**
 * Actions to show this user for this article: only those the policy lets them
 * take on it (from /me) and that apply to the state; enabled per the server's
 * allowedActions, otherwise disabled with the server's reason. A writer never
 * sees publish.
 */
export function actionsFor(
  user: Pick<User, 'id' | 'permissions'>,
  a: Pick<Article, 'status' | 'live' | 'allowedActions'> & { authorId?: string; scheduledAt?: string | null },
  only?: Action[],
): ActionView[] {
  const server = new Map<string, AllowedAction>((a.allowedActions ?? []).map((x) => [x.action, x]));
  const out: ActionView[] = [];
  for (const action of ACTIONS) {
    if (only && !only.includes(action)) continue;
    if (!mayOnArticle(user, a, action)) continue;
    if (!applicable(action, a)) continue;
    const s = server.get(action);
    const label = labelFor(action, a);
    // Cancelling a schedule has no guard beyond the policy; an older server may not list it.
    if (!s && action === 'unschedule') out.push({ action, label, allowed: true });
    else if (!s) out.push({ action, label, allowed: false, reason: 'Not available for you on this article' });
    else out.push({ action, label, allowed: s.allowed, reason: s.allowed ? undefined : s.reason || 'Not allowed' });
  }
  return out;
}

/** The button's words in this state: a scheduled article is rescheduled, an unpublished one published again. */
export function labelFor(action: Action, a: { status: string; scheduledAt?: string | null }): string {
  if (action === 'publish' && a.status === 'approved' && a.scheduledAt) return 'Change the publish time';
  if (action === 'publish' && a.status === 'unpublished') return 'Publish again';
  return ACTION_LABELS[action];
}

export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  published: 'Published',
  unpublished: 'Unpublished',
  archived: 'Archived',
};

/**
 * The signature approving the working draft. api.md documents
 * `approval: {signature}`, the server sends the signature object itself;
 * both are accepted (recorded in BACKEND_NOTES.md).
 */
export function approvalSignature(a: Pick<Article, 'approval'>): Signature | null {
  const ap = a.approval as any;
  if (!ap) return null;
  if (ap.signature) return ap.signature as Signature;
  if (typeof ap.signerName === 'string') return ap as Signature;
  return null;
}
