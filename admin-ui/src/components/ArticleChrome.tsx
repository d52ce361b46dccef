import { useState } from 'react';
import { Link } from '../lib/router';
import type { Article } from '../lib/types';
import { approvalSignature } from '../lib/actions';
import { ArticleBadge, SignatureCard, Time, shortHash } from './ui';

export function ArticleTabs({ id, current }: { id: string; current: 'edit' | 'review' | 'history' }) {
  const tabs: [string, string, string][] = [
    ['edit', 'Edit', `/articles/${id}`],
    ['review', 'Review', `/articles/${id}/review`],
    ['history', 'History', `/articles/${id}/history`],
  ];
  return (
    <nav className="tabs" aria-label="Article views">
      {tabs.map(([k, label, to]) => (
        <Link key={k} to={to} aria-current={current === k ? 'page' : undefined} className={current === k ? 'tab active' : 'tab'}>
          {label}
        </Link>
      ))}
    </nav>
  );
}

/** The live version and the working draft, told apart. */
export function LiveVsDraft({ article, plain = false }: { article: Article; /** A writer's view: no revision or version numbers, no hashes (the signature card keeps its hash). */ plain?: boolean }) {
  const [showSig, setShowSig] = useState(false);
  const live = article.live;
  const same = !!live && live.rev === article.rev && live.contentHash === article.contentHash;
  const approval = approvalSignature(article);
  return (
    <div className="live-vs-draft">
      <section className={'box ' + (live ? 'box-live' : 'box-notlive')} aria-labelledby="lv-live">
        <h3 id="lv-live">Live version</h3>
        {live ? (
          <>
            <p>
              <span className="badge live-badge">Live</span> {plain ? '' : `revision ${live.rev}, `}published <Time value={live.publishedAt} />
            </p>
            {plain ? null : <p className="mono small">hash {shortHash(live.contentHash)}</p>}
            {live.signature ? (
              <>
                <button type="button" className="btn-link" aria-expanded={showSig} onClick={() => setShowSig((s) => !s)}>
                  {showSig ? 'Hide signature' : 'Show signature'}
                </button>
                {showSig ? <SignatureCard sig={live.signature} label="Signature of the live version" /> : null}
              </>
            ) : null}
          </>
        ) : (
          <p className="muted">Not live. Websites do not show this article.</p>
        )}
      </section>
      <section className="box box-draft" aria-labelledby="lv-draft">
        <h3 id="lv-draft">Working draft</h3>
        <p>
          <ArticleBadge status={article.status} scheduledAt={article.scheduledAt} />
          {plain ? null : ` revision ${article.rev}`}
        </p>
        <p className="small">
          {live ? (
            same ? (
              'Same content as the live version.'
            ) : (
              <>
                Differs from the live version{plain ? '' : ` (revision ${live.rev})`}.{' '}
                <Link to={`/articles/${article.id}/history?from=${live.rev}&to=${article.rev}`}>Compare</Link>
              </>
            )
          ) : article.status === 'unpublished' || (article as { everPublished?: boolean }).everPublished ? (
            'Not live now; it was published before.'
          ) : (
            'Never published.'
          )}
        </p>
        {article.scheduledAt ? (
          <p className="small">
            Scheduled to publish <Time value={article.scheduledAt} />
          </p>
        ) : null}
        {approval ? <SignatureCard sig={approval} label="Approval of the working draft" /> : null}
        {article.nextReviewDue ? (
          <p className="small">
            Next clinical review due <Time value={article.nextReviewDue} />
          </p>
        ) : null}
      </section>
    </div>
  );
}
