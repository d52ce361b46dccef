import type { AllowedAction, Article, Role, Signature } from './types';

export type Action = 'submit' | 'withdraw' | 'request_changes' | 'approve' | 'publish' | 'unpublish' | 'recertify' | 'archive';

/** Which roles may ever perform an action (the per-article guards come from the server). */
export const ACTION_ROLES: Record<Action, Role[]> = {
  submit: ['writer', 'editor'],
  withdraw: ['writer', 'editor'],
  request_changes: ['clinical_reviewer'],
  approve: ['clinical_reviewer'],
  recertify: ['clinical_reviewer'],
  publish: ['editor'],
  unpublish: ['editor'],
  archive: ['editor'],
};

export const ACTION_LABELS: Record<Action, string> = {
  submit: 'Submit for clinical review',
  withdraw: 'Withdraw from review',
  request_changes: 'Request changes',
  approve: 'Sign off',
  recertify: 'Re-certify',
  publish: 'Publish',
  unpublish: 'Unpublish',
  archive: 'Archive',
};

/** Whether an action applies to the article's state at all (the state machine). */
export function applicable(action: Action, a: Pick<Article, 'status' | 'live'>): boolean {
  switch (action) {
    case 'submit':
      return a.status === 'draft';
    case 'withdraw':
    case 'request_changes':
    case 'approve':
      return a.status === 'in_review';
    case 'publish':
      return a.status === 'approved';
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
 * Actions to show this user for this article: only those one of their roles can
 * ever do and that apply to the state; enabled per the server's allowedActions,
 * otherwise disabled with the server's reason. A writer never sees publish.
 */
export function actionsFor(roles: Role[], a: Pick<Article, 'status' | 'live' | 'allowedActions'>, only?: Action[]): ActionView[] {
  const server = new Map<string, AllowedAction>((a.allowedActions ?? []).map((x) => [x.action, x]));
  const out: ActionView[] = [];
  for (const action of Object.keys(ACTION_ROLES) as Action[]) {
    if (only && !only.includes(action)) continue;
    if (!ACTION_ROLES[action].some((r) => roles.includes(r))) continue;
    if (!applicable(action, a)) continue;
    const s = server.get(action);
    if (!s) out.push({ action, label: ACTION_LABELS[action], allowed: false, reason: 'Not available for you on this article' });
    else out.push({ action, label: ACTION_LABELS[action], allowed: s.allowed, reason: s.allowed ? undefined : s.reason || 'Not allowed' });
  }
  return out;
}

export function hasRole(roles: Role[] | undefined, ...want: Role[]): boolean {
  return !!roles && want.some((r) => roles.includes(r));
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
