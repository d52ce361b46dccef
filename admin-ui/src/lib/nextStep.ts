import { mayOnArticle } from './actions';
import { normalizePath, parsePath } from './fields';
import type { Article, Content, User } from './types';

/** Something in the way of the next step, in plain words, pointing at a field where there is one. */
export interface Blocker {
  /** The field to focus (a path of the content), if the blocker is about one. */
  path?: string;
  text: string;
}

const NAMED: Record<string, string> = {
  title: 'Title',
  slug: 'Slug (the address)',
  summary: 'Summary',
  keyTakeaways: 'Key takeaways',
  sections: 'Sections',
  'clinicianTake.body': "Clinician's take",
  'clinicianTake.clinician': "Whose words the Clinician's take is",
  heroImage: 'Hero image',
  'heroImage.url': 'Hero image address',
  'heroImage.alt': 'Hero image alt text',
  'heroImage.caption': 'Hero image caption',
  'heroImage.credit': 'Hero image credit',
  topics: 'Topics',
  related: 'Related articles',
  'cta.heading': 'Call to action heading',
  'cta.body': 'Call to action text',
  'cta.label': 'Button label',
  'cta.url': 'Button URL',
  'seo.title': 'SEO title',
  'seo.description': 'SEO description',
  'seo.canonicalUrl': 'Canonical URL',
};

/** A field's name as the editor labels it ("Section 2 heading"), never its path. */
export function fieldLabel(path: string): string {
  const p = normalizePath(path);
  if (NAMED[p]) return NAMED[p];
  let m: RegExpMatchArray | null;
  if ((m = p.match(/^sections\[(\d+)\]\.(heading|body)$/))) return `Section ${Number(m[1]) + 1} ${m[2]}`;
  if ((m = p.match(/^sections\[(\d+)\]$/))) return `Section ${Number(m[1]) + 1}`;
  if ((m = p.match(/^keyTakeaways\[(\d+)\]$/))) return `Key takeaway ${Number(m[1]) + 1}`;
  if ((m = p.match(/^related\[(\d+)\]$/))) return `Related article ${Number(m[1]) + 1}`;
  if ((m = p.match(/^topics\[(\d+)\]$/))) return `Topic ${Number(m[1]) + 1}`;
  const top = String(parsePath(p)[0] ?? '');
  return NAMED[top] ?? 'A field';
}

/**
 * What a submission for clinical review needs, checked in the browser so the
 * fields are marked before the first attempt. The server's rules
 * (models.Content.Readiness) decide; this mirrors their presence rules.
 */
export function missingForReview(c: Content): Blocker[] {
  const out: Blocker[] = [];
  const need = (path: string, v: string, text: string) => {
    if (!v.trim()) out.push({ path, text });
  };
  need('title', c.title, 'Add a title.');
  need('slug', c.slug, 'Add a slug (the article’s address).');
  need('summary', c.summary, 'Write a summary.');
  if (!c.keyTakeaways.length) out.push({ path: 'keyTakeaways', text: 'Add at least one key takeaway.' });
  c.keyTakeaways.forEach((t, i) => need(`keyTakeaways[${i}]`, t, `Fill in key takeaway ${i + 1} or remove it.`));
  if (!c.sections.length) out.push({ path: 'sections', text: 'Add at least one section.' });
  c.sections.forEach((s, i) => {
    if (i > 0) need(`sections[${i}].heading`, s.heading, `Give section ${i + 1} a heading.`);
    need(`sections[${i}].body`, s.body, `Write the body of section ${i + 1}.`);
  });
  if (c.clinicianTake.body.trim()) need('clinicianTake.clinician', c.clinicianTake.clinician, 'Choose whose words the Clinician’s take is.');
  if (c.cta.label || c.cta.url) {
    need('cta.label', c.cta.label, 'Give the call-to-action button a label.');
    need('cta.url', c.cta.url, 'Give the call-to-action button a link.');
  }
  return out;
}

/** Paths a set of blockers require, for marking fields "required before review". */
export function requiredPaths(c: Content): Set<string> {
  const s = new Set<string>(['title', 'slug', 'summary', 'keyTakeaways', 'sections']);
  c.keyTakeaways.forEach((_, i) => s.add(`keyTakeaways[${i}]`));
  c.sections.forEach((_, i) => {
    if (i > 0) s.add(`sections[${i}].heading`);
    s.add(`sections[${i}].body`);
  });
  if (c.clinicianTake.body.trim()) s.add('clinicianTake.clinician');
  if (c.cta.label || c.cta.url) (s.add('cta.label'), s.add('cta.url'));
  return s;
}

const NOT_READY = /not ready for review: fix (.+)$/i;

/**
 * A server refusal in a writer's words. "the article is not ready for
 * review: fix keyTakeaways, sections, summary" names field paths; those
 * become one blocker per field, each linked to it.
 */
export function plainReason(reason: string): Blocker[] {
  const m = reason.match(NOT_READY);
  if (!m) return [{ text: sentence(reason) }];
  return m[1]
    .split(/,\s*/)
    .filter(Boolean)
    .map((p) => ({ path: normalizePath(p.trim()), text: `${fieldLabel(p.trim())}: needed before review.` }));
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/** Merges blockers, one per field (the first wording wins), fields in the order given. */
export function mergeBlockers(...lists: Blocker[][]): Blocker[] {
  const seen = new Set<string>();
  const out: Blocker[] = [];
  for (const l of lists)
    for (const b of l) {
      const key = b.path ? 'p:' + b.path : 't:' + b.text;
      // "keyTakeaways" is covered by a blocker on one of its items.
      if (b.path && [...seen].some((k) => k.startsWith('p:' + b.path + '['))) continue;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(b);
    }
  return out;
}

export interface NextStepInput {
  article: Article | null;
  content: Content;
  user: Pick<User, 'id' | 'permissions'>;
  /** Unsaved or saving edits, or a conflict: the workflow waits for the save. */
  pending?: 'saving' | 'unsaved' | 'conflict' | 'error' | null;
  openComments?: number;
}

export interface NextStep {
  /** The next step, one sentence in plain words. */
  text: string;
  /** Why the next step cannot be taken yet. */
  blockers: Blocker[];
}

/**
 * The next step for this user on this article, by state and by what the
 * policy lets them do. Blocked submission reasons come from the server's
 * allowedActions, put in plain words and merged with the fields the browser
 * already knows are missing.
 */
export function nextStep({ article, content, user, pending, openComments = 0 }: NextStepInput): NextStep {
  if (!article) return { text: 'Give the article a title: the draft is created and then saves as you type.', blockers: [] };
  const may = (action: string) => mayOnArticle(user, article, action);
  const server = new Map((article.allowedActions ?? []).map((a) => [a.action, a]));
  const blockedBy = (action: string): Blocker[] => {
    const s = server.get(action);
    return s && !s.allowed && s.reason ? plainReason(s.reason) : [];
  };
  const comments = openComments ? ` ${openComments === 1 ? 'One comment is' : `${openComments} comments are`} still open.` : '';
  const waitSave: Blocker[] =
    pending === 'conflict'
      ? [{ text: 'Resolve the conflict with the other copy first.' }]
      : pending === 'error'
        ? [{ text: 'Your latest changes are not saved yet.' }]
        : pending
          ? [{ text: 'Wait until your changes are saved.' }]
          : [];
  switch (article.status) {
    case 'draft': {
      if (!may('submit')) return { text: 'A draft: its author is still writing it.', blockers: [] };
      const missing = missingForReview(content);
      const blockers = mergeBlockers(waitSave, missing, blockedBy('submit'));
      if (article.changesRequested)
        return { text: `Make the changes the clinician asked for, then submit for clinical review again.${comments}`, blockers };
      return { text: blockers.length ? 'Finish the draft, then submit it for clinical review.' : `Submit for clinical review.${comments}`, blockers };
    }
    case 'in_review':
      if (may('approve') || may('request_changes'))
        return { text: 'Read the article, comment on passages, then sign off or request changes.', blockers: mergeBlockers(blockedBy('approve')) };
      if (may('withdraw')) return { text: 'With a clinician for review; the content is frozen. Withdraw it from review if you need to edit.', blockers: [] };
      return { text: 'With a clinician for review.', blockers: [] };
    case 'approved':
      if (article.scheduledAt)
        return may('publish') || may('unschedule')
          ? { text: 'Scheduled. Change the time or cancel the schedule if plans change.', blockers: [] }
          : { text: 'Signed off and scheduled to publish.', blockers: [] };
      if (may('publish')) return { text: 'Signed off: publish it now or schedule it.', blockers: mergeBlockers(blockedBy('publish')) };
      return { text: 'Signed off. An editor publishes it.', blockers: [] };
    case 'published':
      if (may('edit')) return { text: 'Live. Edits make a new working draft that needs a new sign-off; the live version stays as it is.', blockers: [] };
      return { text: 'Live on the site.', blockers: [] };
    case 'unpublished': {
      const pub = server.get('publish');
      if (may('publish') && pub?.allowed) return { text: 'Not live. Its signed content is unchanged and still current: you can publish it again.', blockers: [] };
      if (may('publish') && pub && !pub.allowed) return { text: 'Not live. To publish it again it needs a new sign-off.', blockers: plainReason(pub.reason ?? '') };
      if (may('edit')) return { text: 'Not live. Edit it and submit it for a new sign-off to bring it back.', blockers: [] };
      return { text: 'Not live on the site.', blockers: [] };
    }
    case 'archived':
      return { text: 'Archived: kept with its history, out of the workflow.', blockers: [] };
  }
  return { text: '', blockers: [] };
}

/** The "Preview on site" address: the settings' template with {id} and {slug} filled in, or null. */
export function previewHref(template: string | undefined | null, a: { id: string; slug: string }): string | null {
  if (!template) return null;
  const url = template.replaceAll('{id}', encodeURIComponent(a.id)).replaceAll('{slug}', encodeURIComponent(a.slug));
  return /^https?:\/\//i.test(url) ? url : null;
}
