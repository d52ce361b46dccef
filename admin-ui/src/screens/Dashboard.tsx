import { useEffect, useState } from 'react';
import { api, errorMessage, qs } from '../lib/api';
import { Link } from '../lib/router';
import { useSession } from '../session';
import { bucketize, bucketsFor, publishes, reviews, writes, type BucketId } from '../lib/dashboard';
import type { ArticleSummary, AuditEvent, ListResponse } from '../lib/types';
import { Alert, ArticleBadge, LicenseBadge, Spinner, Time } from '../components/ui';

async function list(params: Record<string, string | number>): Promise<ArticleSummary[]> {
  const r = await api.get<ListResponse<ArticleSummary>>('/articles' + qs({ limit: 100, ...params }));
  return r.items ?? [];
}

export function Dashboard() {
  const { user } = useSession();
  const [buckets, setBuckets] = useState<Record<BucketId, ArticleSummary[]> | null>(null);
  const [error, setError] = useState('');
  const defs = bucketsFor(user);

  useEffect(() => {
    let cancel = false;
    (async () => {
      try {
        const write = writes(user);
        const review = reviews(user) || publishes(user);
        const [drafts, inReview, approved, published, due] = await Promise.all([
          write ? list({ status: 'draft', author: 'me' }) : Promise.resolve([]),
          list({ status: 'in_review', sort: 'waiting' }),
          publishes(user) ? list({ status: 'approved' }) : Promise.resolve([]),
          list({ status: 'published', limit: 20 }),
          review ? api.get<ListResponse<ArticleSummary>>('/reviews/due').then((r) => r.items ?? []) : Promise.resolve([]),
        ]);
        // "Changes requested" = my drafts whose last transition was request_changes.
        const eventsByArticle: Record<string, AuditEvent[]> = {};
        await Promise.all(
          drafts.slice(0, 50).map(async (d) => {
            try {
              eventsByArticle[d.id] = (await api.get<ListResponse<AuditEvent>>(`/articles/${d.id}/events`)).items ?? [];
            } catch {
              eventsByArticle[d.id] = [];
            }
          }),
        );
        if (!cancel) setBuckets(bucketize({ me: user, drafts, inReview, approved, published, due, eventsByArticle }));
      } catch (e) {
        if (!cancel) setError(errorMessage(e));
      }
    })();
    return () => {
      cancel = true;
    };
  }, [user]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboard</h1>
        {writes(user) ? (
          <Link to="/articles/new" className="btn btn-primary">
            New article
          </Link>
        ) : null}
      </div>
      {reviews(user) ? (
        <p>
          Your license: <LicenseBadge license={user.license} />
        </p>
      ) : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!buckets && !error ? <Spinner /> : null}
      {buckets ? (
        <>
          <ul className="counts" aria-label="Counts">
            {defs.map((d) => (
              <li key={d.id}>
                <a href={`#b-${d.id}`} className="count-card">
                  <span className="count-n" data-testid={`count-${d.id}`}>
                    {buckets[d.id].length}
                  </span>
                  <span className="count-label">{d.title}</span>
                </a>
              </li>
            ))}
          </ul>
          <div className="buckets">
            {defs.map((d) => (
              <section key={d.id} id={`b-${d.id}`} className="card bucket" aria-labelledby={`h-${d.id}`}>
                <h2 id={`h-${d.id}`}>
                  {d.title} <span className="count-pill">{buckets[d.id].length}</span>
                </h2>
                {buckets[d.id].length === 0 ? (
                  <p className="muted">{d.empty}</p>
                ) : (
                  <ul className="article-list">
                    {buckets[d.id].slice(0, 10).map((a) => (
                      <li key={a.id}>
                        <Link to={d.id === 'awaitingReview' || d.id === 'reviewDue' ? `/articles/${a.id}/review` : `/articles/${a.id}`}>{a.title || a.slug || a.id}</Link>{' '}
                        <ArticleBadge status={a.status} scheduledAt={a.scheduledAt} />
                        {a.status === 'in_review' && a.resubmission ? <span className="badge resubmission">Resubmitted</span> : null}
                        <span className="meta">
                          {a.authorName ? <>by {a.authorName} · </> : null}
                          {d.id === 'scheduled' ? (
                            <>
                              publishes <Time value={a.scheduledAt} />
                            </>
                          ) : (d.id === 'awaitingReview' || d.id === 'inReview') && (a.submittedAt || a.updatedAt) ? (
                            <>
                              waiting since <Time value={a.submittedAt ?? a.updatedAt} />
                            </>
                          ) : d.id === 'reviewDue' ? (
                            <>
                              review due <Time value={a.nextReviewDue} />
                            </>
                          ) : (
                            <>
                              updated <Time value={a.updatedAt} />
                            </>
                          )}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            ))}
          </div>
        </>
      ) : null}
    </div>
  );
}
