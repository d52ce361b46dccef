import { renderMarkdown } from '../lib/markdown';
import type { Content, Signature } from '../lib/types';

/** The article as a website would render it (from the delivery snapshot's fields). */
export function ArticlePreview({
  content,
  authorName,
  clinician,
  pendingClinician,
}: {
  content: Content;
  authorName?: string;
  clinician?: Signature | null;
  /** Who the take will be attributed to when there is no signature yet. */
  pendingClinician?: string;
}) {
  const c = content;
  return (
    <article className="site-preview" aria-label="Article as published">
      {c.heroImage.url ? <img className="hero" src={c.heroImage.url} alt={c.heroImage.alt} /> : null}
      <h1>{c.title || <span className="muted">Untitled</span>}</h1>
      {authorName ? <p className="byline">By {authorName}</p> : null}
      {c.summary ? <p className="lede">{c.summary}</p> : null}
      {c.keyTakeaways.filter(Boolean).length ? (
        <aside className="takeaways" aria-label="Key takeaways">
          <h2>Key takeaways</h2>
          <ul>
            {c.keyTakeaways.filter(Boolean).map((t, i) => (
              <li key={i}>{t}</li>
            ))}
          </ul>
        </aside>
      ) : null}
      {c.sections.map((s, i) => (
        <section key={i}>
          {s.heading ? <h2>{s.heading}</h2> : null}
          <div className="md" dangerouslySetInnerHTML={{ __html: renderMarkdown(s.body) }} />
        </section>
      ))}
      {c.clinicianTake.body ? (
        <aside className="clinician-take" aria-label="Clinician's take">
          <h2>Clinician's take</h2>
          <div className="md" dangerouslySetInnerHTML={{ __html: renderMarkdown(c.clinicianTake.body) }} />
          <p className="byline">
            {clinician ? `— ${clinician.signerName}${clinician.credentials ? ', ' + clinician.credentials : ''}` : pendingClinician ? `— ${pendingClinician} (once you sign off)` : '— attributed to the clinician who signs off'}
          </p>
        </aside>
      ) : null}
      {c.cta.heading || c.cta.label ? (
        <aside className="cta" aria-label="Call to action">
          {c.cta.heading ? <h2>{c.cta.heading}</h2> : null}
          {c.cta.body ? <p>{c.cta.body}</p> : null}
          {c.cta.label ? (
            <a className="btn" href={c.cta.url || '#'} rel="noopener noreferrer" target="_blank">
              {c.cta.label}
            </a>
          ) : null}
        </aside>
      ) : null}
      {c.topics.length ? (
        <p className="topics">
          {c.topics.map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
        </p>
      ) : null}
      {c.related.length ? (
        <p className="muted">More from: {c.related.join(', ')}</p>
      ) : null}
    </article>
  );
}
