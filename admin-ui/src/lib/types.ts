/** A role the server's policy names (GET /api/admin/roles); operators may add their own. */
export type Role = string;

/** What the server's casbin policy lets the signed-in user do (from /me and sign-in). */
export interface Permissions {
  /** "METHOD /api/admin/template" the user may call. */
  routes: string[];
  /** Article actions (create, edit, workflow actions) on articles the user authors. */
  ownArticles: string[];
  /** Article actions on anyone else's articles. */
  otherArticles: string[];
}

export interface License {
  type: string;
  number: string;
  jurisdiction: string;
  expiresOn: string;
  verifiedAt?: string | null;
  verifiedBy?: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  /** Present for the signed-in user: the policy's answer, never derived from role names here. */
  permissions?: Permissions;
  /** For the signed-in user (GET /me): the site's preview URL template ({id}, {slug}), or empty. */
  previewUrl?: string;
  bio?: string;
  credentials?: string;
  /** Profile (contracts: flat fields; not clinical content, so not signed). */
  title?: string;
  photoUrl?: string;
  photoAlt?: string;
  url?: string;
  active?: boolean;
  license?: License | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface Section {
  heading: string;
  body: string;
}

export interface Content {
  slug: string;
  title: string;
  summary: string;
  keyTakeaways: string[];
  sections: Section[];
  /** clinician: the user id of the clinician whose words these are. */
  clinicianTake: { body: string; clinician: string };
  /** mediaId is reserved for the media library (may stay empty). */
  heroImage: { mediaId: string; url: string; alt: string; caption: string; credit: string };
  topics: string[];
  related: string[];
  cta: { heading: string; body: string; label: string; url: string };
  seo: { title: string; description: string; canonicalUrl: string };
}

export interface Signature {
  id?: string;
  action?: string;
  signerId?: string;
  signerName: string;
  credentials?: string;
  license?: Partial<License>;
  meaning: string;
  at: string;
  rev: number;
  contentHash: string;
}

export interface AllowedAction {
  action: string;
  allowed: boolean;
  reason?: string;
}

export type Status = 'draft' | 'in_review' | 'approved' | 'published' | 'unpublished' | 'archived';

export interface Article extends Content {
  id: string;
  version: number;
  rev: number;
  contentHash: string;
  status: Status;
  authorId: string;
  authorName?: string;
  /** api.md: {signature} | null; the server sends the signature itself. See approvalSignature(). */
  approval?: { signature?: Signature | null } | Signature | null;
  live?: { rev: number; contentHash: string; publishedAt: string; signature?: Signature | null } | null;
  scheduledAt?: string | null;
  lastReviewed?: string | null;
  nextReviewDue?: string | null;
  createdAt?: string;
  updatedAt?: string;
  allowedActions?: AllowedAction[];
  /** The newest request_changes since the last submit; null once resubmitted. */
  changesRequested?: ChangesRequested | null;
  /** Signatures over the Clinician's take by the clinician it names. */
  takeSignatures?: Signature[] | null;
  /** Unresolved comments on passages. */
  openComments?: number;
}

export interface ChangesRequested {
  comment: string;
  actorId: string;
  actorName?: string;
  at: string;
  rev?: number;
}

export interface SiteSettings {
  publisher: { name: string; url: string; logoUrl: string };
  editorialPolicy: { statement: string; url: string };
  previewUrl: string;
}

export interface ArticleSummary {
  id: string;
  version: number;
  rev: number;
  status: Status;
  slug: string;
  title: string;
  summary?: string;
  topics?: string[];
  authorId: string;
  authorName?: string;
  hasLive?: boolean;
  scheduledAt?: string | null;
  nextReviewDue?: string | null;
  updatedAt?: string;
  /** The last submission for review (review queue: waiting since). */
  submittedAt?: string | null;
  /** Changes were requested before this submission. */
  resubmission?: boolean;
}

export interface ListResponse<T> {
  items: T[];
  page?: number;
  limit?: number;
  total?: number;
}

export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
}

export interface DiffChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
  lines?: DiffLine[];
}

export interface DiffResponse {
  from: number | string;
  to: number | string;
  changes: DiffChange[];
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  actorName?: string;
  action: string;
  articleId?: string;
  rev?: number;
  from?: string;
  to?: string;
  comment?: string;
  prevHash?: string;
  hash?: string;
  /** What the event is about, named (token name, webhook URL, user, article title…). */
  objectLabel?: string;
}

export interface Revision {
  rev: number;
  contentHash: string;
  editedBy: string;
  editedByName?: string;
  at: string;
}
