import { mayAnywhere, mayOnArticle } from './actions';
import type { ArticleSummary, AuditEvent, User } from './types';

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
  /** Whether the bucket is for this user (by what the policy lets them do). */
  shows: (u: Pick<User, 'id' | 'permissions'>) => boolean;
  empty: string;
}

type Who = Pick<User, 'id' | 'permissions'>;
/** Writes articles: may create one. */
export const writes = (u: Who) => mayOnArticle(u, null, 'create');
/** Reviews: may sign off someone else's article. */
export const reviews = (u: Who) => mayOnArticle(u, { authorId: '' }, 'approve');
/** Publishes: may publish someone else's article. */
export const publishes = (u: Who) => mayOnArticle(u, { authorId: '' }, 'publish');

export const BUCKETS: BucketDef[] = [
  { id: 'changesRequested', title: 'Changes requested of me', shows: writes, empty: 'No change requests.' },
  { id: 'myDrafts', title: 'My drafts', shows: writes, empty: 'No drafts.' },
  { id: 'mySubmissions', title: 'My articles in review', shows: (u) => writes(u) && !mayAnywhere(u, 'publish'), empty: 'Nothing waiting for a reviewer.' },
  { id: 'awaitingReview', title: 'Awaiting my review', shows: reviews, empty: 'Nothing to review.' },
  { id: 'inReview', title: 'In clinical review', shows: publishes, empty: 'Nothing is with a reviewer.' },
  { id: 'approved', title: 'Approved, awaiting publish', shows: publishes, empty: 'Nothing approved.' },
  { id: 'scheduled', title: 'Scheduled', shows: publishes, empty: 'Nothing scheduled.' },
  { id: 'reviewDue', title: 'Re-review due', shows: (u) => reviews(u) || publishes(u), empty: 'No re-reviews due.' },
  { id: 'recentlyPublished', title: 'Recently published', shows: () => true, empty: 'Nothing published yet.' },
];

export function bucketsFor(u: Who): BucketDef[] {
  return BUCKETS.filter((b) => b.shows(u));
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

/** The review queue's order: the longest waiting first (by last submission, else last update). */
export function byWaitingLongest(a: ArticleSummary, b: ArticleSummary): number {
  const t = (x: ArticleSummary) => Date.parse(x.submittedAt ?? x.updatedAt ?? '') || 0;
  return t(a) - t(b);
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
    awaitingReview: input.inReview.filter((a) => !mine(a)).sort(byWaitingLongest),
    inReview: [...input.inReview].sort(byWaitingLongest),
    approved: input.approved.filter((a) => !a.scheduledAt).sort(byUpdatedDesc),
    scheduled: scheduled.sort((a, b) => (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? '')),
    reviewDue: [...input.due].sort((a, b) => (a.nextReviewDue ?? '').localeCompare(b.nextReviewDue ?? '')),
    recentlyPublished: [...input.published].sort(byUpdatedDesc).slice(0, 10),
  };
}
