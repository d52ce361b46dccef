import type { ReactNode } from 'react';
import { fieldId } from '../lib/fields';
import { previewHref, type NextStep } from '../lib/nextStep';
import type { Article } from '../lib/types';
import { useSession } from '../session';
import { ArticleBadge } from './ui';

/** Focuses the field a blocker names (its input, or the nearest group that has an id). */
export function focusField(path: string) {
  let p = path;
  for (;;) {
    const el = document.getElementById(fieldId(p));
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.focus({ preventScroll: true });
      return;
    }
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return;
    p = p.slice(0, cut);
  }
}

/**
 * The bar that stays on screen in the editor and review screens: the
 * article's status, the save state, the next step in plain words, and why
 * it is blocked, each reason a link that focuses its field.
 */
export function NextStepBar({ article, step, save, children }: { article: Article | null; step: NextStep; save?: { kind: string; text: string }; children?: ReactNode }) {
  return (
    <section className="next-bar" aria-label="Next step" data-testid="next-bar">
      <div className="next-bar-main">
        <p className="next-bar-status">
          {article ? <ArticleBadge status={article.status} scheduledAt={article.scheduledAt} /> : null}
          {save ? (
            <span className={`save-status save-${save.kind}`} role="status" aria-live="polite" data-testid="save-status">
              {save.text}
            </span>
          ) : null}
        </p>
        <p className="next-step" data-testid="next-step">
          <strong>Next: </strong>
          {step.text}
        </p>
        {step.blockers.length ? (
          <ul className="blockers" aria-label="What is in the way">
            {step.blockers.map((b, i) => (
              <li key={(b.path ?? '') + i}>
                {b.path ? (
                  <a
                    href={`#${fieldId(b.path)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      focusField(b.path!);
                    }}
                  >
                    {b.text}
                  </a>
                ) : (
                  b.text
                )}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {children ? <div className="next-bar-tools">{children}</div> : null}
    </section>
  );
}

/** "Preview on site": the settings' preview URL for this article, opened in a new tab. Nothing without a template. */
export function PreviewOnSite({ article }: { article: Pick<Article, 'id' | 'slug'> }) {
  const { user } = useSession();
  const href = previewHref(user.previewUrl, article);
  if (!href) return null;
  return (
    <a className="btn btn-small" href={href} target="_blank" rel="noopener noreferrer" data-testid="preview-on-site">
      Preview on site
    </a>
  );
}
