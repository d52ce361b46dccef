import { memo, useMemo } from 'react';
import { blockedText, imageBlockReason, renderMarkdown } from '../lib/markdown';
import type { Content } from '../lib/types';
import type { RelatedInfo } from '../lib/related';

/** A writer's Markdown under the narrow preview policy, sanitized once per text. */
export const Markdown = memo(function Markdown({ md, className = 'md', path }: { md: string; className?: string; /** The field it renders, for comments anchored to its passages. */ path?: string }) {
  const html = useMemo(() => renderMarkdown(md), [md]);
  return <div className={className} data-path={path} dangerouslySetInnerHTML={{ __html: html }} />;
});

/** An image under the preview policy: loaded from /media/… or an allowed host, else a placeholder; alt text written out. */
export function PolicyImage({ src, alt, className }: { src: string; alt: string; className?: string }) {
  const blocked = imageBlockReason(src);
  return (
    <>
      {blocked ? (
        <span className="md-blocked-img">{blockedText(src, alt, blocked)}</span>
      ) : (
        <img className={className} src={src} alt={alt} />
      )}
    </>
  );
}

/**
 * The article page as a website renders it, with everything a signature
 * covers written out: the hero image's address, alt text, caption and
 * credit; inline images' alt text; the call to action's link target;
 * related articles by title; and whose words the Clinician's take is.
 */
export function ArticlePreview({
  content,
  authorName,
  takeBy,
  related,
}: {
  content: Content;
  authorName?: string;
  /** Who the Clinician's take is attributed to, as readers will see it. */
  takeBy?: string;
  /** Related articles resolved to titles (slug → info); absent while loading. */
  related?: Record<string, RelatedInfo | null>;
}) {
  const c = content;
  const h = c.heroImage;
  return (
    <article className="site-preview" aria-label="Article as published">
      {h.url || h.alt || h.caption || h.credit || h.mediaId ? (
        <figure className="hero-figure">
          {h.url ? <PolicyImage className="hero" src={h.url} alt={h.alt} /> : <span className="md-blocked-img">No image address</span>}
          <figcaption>
            {h.caption ? <span className="hero-caption">{h.caption}</span> : null}
            {h.credit ? <span className="hero-credit">Credit: {h.credit}</span> : null}
          </figcaption>
          <dl className="written-out" aria-label="Hero image details">
            <dt>Alt text</dt>
            <dd>{h.alt || <span className="missing">missing</span>}</dd>
            <dt>Image address</dt>
            <dd className="mono break">{h.url || '—'}</dd>
            {h.mediaId ? (
              <>
                <dt>Media library item</dt>
                <dd className="mono">{h.mediaId}</dd>
              </>
            ) : null}
          </dl>
        </figure>
      ) : null}
      <h1 data-path="title">{c.title || <span className="muted">Untitled</span>}</h1>
      {authorName ? <p className="byline">By {authorName}</p> : null}
      {c.summary ? (
        <p className="lede" data-path="summary">
          {c.summary}
        </p>
      ) : null}
      {c.keyTakeaways.filter(Boolean).length ? (
        <aside className="takeaways" aria-label="Key takeaways">
          <h2>Key takeaways</h2>
          <ul>
            {c.keyTakeaways.map((t, i) =>
              t ? (
                <li key={i} data-path={`keyTakeaways[${i}]`}>
                  {t}
                </li>
              ) : null,
            )}
          </ul>
        </aside>
      ) : null}
      {c.sections.map((s, i) => (
        <section key={i}>
          {s.heading ? <h2 data-path={`sections[${i}].heading`}>{s.heading}</h2> : null}
          <Markdown md={s.body} path={`sections[${i}].body`} />
        </section>
      ))}
      {c.clinicianTake.body ? (
        <aside className="clinician-take" aria-label="Clinician's take">
          <h2>Clinician's take</h2>
          <Markdown md={c.clinicianTake.body} path="clinicianTake.body" />
          <p className="byline">— {takeBy || <span className="missing">no clinician named: the take is not shown to readers</span>}</p>
        </aside>
      ) : null}
      {c.cta.heading || c.cta.body || c.cta.label || c.cta.url ? (
        <aside className="cta" aria-label="Call to action">
          {c.cta.heading ? <h2 data-path="cta.heading">{c.cta.heading}</h2> : null}
          {c.cta.body ? <Markdown md={c.cta.body} path="cta.body" /> : null}
          {c.cta.label ? (
            <a className="btn" href={/^https?:\/\//i.test(c.cta.url) ? c.cta.url : undefined} rel="noopener noreferrer nofollow" target="_blank">
              {c.cta.label}
            </a>
          ) : null}
          <p className="written-out small">
            Button goes to: <span className="mono break">{c.cta.url || <span className="missing">no link</span>}</span>
          </p>
        </aside>
      ) : null}
      {c.topics.length ? (
        <div className="topics">
          <span className="small muted">Topics: </span>
          {c.topics.map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
        </div>
      ) : null}
      {c.related.length ? (
        <aside className="related" aria-label="Related articles">
          <h2>Related articles</h2>
          <ul>
            {c.related.map((slug) => {
              const r = related?.[slug];
              return (
                <li key={slug}>
                  {r === undefined ? <span className="muted">…</span> : r ? <strong>{r.title}</strong> : <span className="missing">no article has this address</span>}{' '}
                  <span className="mono small muted">/{slug}</span>
                  {r && !r.published ? <span className="badge status-draft"> not published: readers will not see this link</span> : null}
                </li>
              );
            })}
          </ul>
        </aside>
      ) : null}
    </article>
  );
}

/** How the article meets search engines: the result snippet, its address and canonical URL. */
export function SearchPreview({ content, siteUrl }: { content: Content; siteUrl?: string }) {
  const c = content;
  const title = c.seo.title || c.title;
  const description = c.seo.description || c.summary;
  const base = (siteUrl || '').replace(/\/+$/, '');
  const url = c.seo.canonicalUrl || `${base || '…'}/${c.slug}`;
  return (
    <div className="search-preview" aria-label="Search result preview" role="group">
      <p className="sr-url mono break">{url}</p>
      <p className="sr-title">{title || <span className="missing">no title</span>}</p>
      <p className="sr-desc">{description || <span className="missing">no description</span>}</p>
      <dl className="written-out">
        <dt>SEO title</dt>
        <dd>{c.seo.title || <span className="muted">empty: search engines show the title</span>}</dd>
        <dt>SEO description</dt>
        <dd>{c.seo.description || <span className="muted">empty: search engines show the summary</span>}</dd>
        <dt>Slug (address)</dt>
        <dd className="mono break">/{c.slug}</dd>
        <dt>Canonical URL</dt>
        <dd className="mono break">{c.seo.canonicalUrl || <span className="muted">empty: the article's own address</span>}</dd>
      </dl>
    </div>
  );
}
