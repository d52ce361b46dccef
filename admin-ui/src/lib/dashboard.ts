import type { ArticleSummary, AuditEvent, Role, User } from './types';

export type BucketId =
  | 'myDrafts'
  | 'changesRequested'
  | 'mySubmissions'
  | 'awaitingReview'
  | 'inReview'
  | 'approved'
  | 'scheduled'
  | 'reviewDue'
  | 'recentlyPublished';

export interface BucketDef {
  id: BucketId;
  title: string;
  roles: Role[];
  empty: string;
}

export const BUCKETS: BucketDef[] = [
  { id: 'changesRequested', title: 'Changes requested of me', roles: ['writer', 'editor'], empty: 'No change requests.' },
  { id: 'myDrafts', title: 'My drafts', roles: ['writer', 'editor'], empty: 'No drafts.' },
  { id: 'mySubmissions', title: 'My articles in review', roles: ['writer'], empty: 'Nothing waiting for a reviewer.' },
  { id: 'awaitingReview', title: 'Awaiting my review', roles: ['clinical_reviewer'], empty: 'Nothing to review.' },
  { id: 'inReview', title: 'In clinical review', roles: ['editor'], empty: 'Nothing is with a reviewer.' },
  { id: 'approved', title: 'Approved, awaiting publish', roles: ['editor'], empty: 'Nothing approved.' },
  { id: 'scheduled', title: 'Scheduled', roles: ['editor'], empty: 'Nothing scheduled.' },
  { id: 'reviewDue', title: 'Re-review due', roles: ['clinical_reviewer', 'editor'], empty: 'No re-reviews due.' },
  { id: 'recentlyPublished', title: 'Recently published', roles: ['writer', 'clinical_reviewer', 'editor', 'admin'], empty: 'Nothing published yet.' },
];

export function bucketsForRoles(roles: Role[]): BucketDef[] {
  return BUCKETS.filter((b) => b.roles.some((r) => roles.includes(r)));
}

export interface DashboardInput {
  me: User;
  drafts: ArticleSummary[]; // status=draft&author=me
  inReview: ArticleSummary[]; // status=in_review
  approved: ArticleSummary[]; // status=approved
  published: ArticleSummary[]; // status=published
  due: ArticleSummary[]; // /reviews/due
  /** Per draft article id: its events (to spot "changes requested"). */
  eventsByArticle: Record<string, AuditEvent[]>;
}

const TRANSITIONS = new Set(['submit', 'withdraw', 'request_changes', 'approve', 'publish', 'unpublish', 'archive', 'recertify', 'schedule', 'publish.scheduled']);

/** The last workflow transition of an article's events (edits ignored). */
export function lastTransition(events: AuditEvent[]): AuditEvent | undefined {
  let last: AuditEvent | undefined;
  for (const e of events) if (TRANSITIONS.has(e.action) && (!last || e.seq > last.seq)) last = e;
  return last;
}

function byUpdatedDesc(a: ArticleSummary, b: ArticleSummary): number {
  return (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '');
}

export function bucketize(input: DashboardInput): Record<BucketId, ArticleSummary[]> {
  const { me } = input;
  const mine = (a: ArticleSummary) => a.authorId === me.id;
  const changesRequested: ArticleSummary[] = [];
  const myDrafts: ArticleSummary[] = [];
  for (const d of input.drafts.filter(mine)) {
    const t = lastTransition(input.eventsByArticle[d.id] ?? []);
    if (t && t.action === 'request_changes') changesRequested.push(d);
    else myDrafts.push(d);
  }
  const scheduled = input.approved.filter((a) => !!a.scheduledAt);
  return {
    changesRequested: changesRequested.sort(byUpdatedDesc),
    myDrafts: myDrafts.sort(byUpdatedDesc),
    mySubmissions: input.inReview.filter(mine).sort(byUpdatedDesc),
    awaitingReview: input.inReview.filter((a) => !mine(a)).sort(byUpdatedDesc),
    inReview: [...input.inReview].sort(byUpdatedDesc),
    approved: input.approved.filter((a) => !a.scheduledAt).sort(byUpdatedDesc),
    scheduled: scheduled.sort((a, b) => (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? '')),
    reviewDue: [...input.due].sort((a, b) => (a.nextReviewDue ?? '').localeCompare(b.nextReviewDue ?? '')),
    recentlyPublished: [...input.published].sort(byUpdatedDesc).slice(0, 10),
  };
}
