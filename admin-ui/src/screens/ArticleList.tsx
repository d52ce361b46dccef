import { useEffect, useState } from 'react';
import { api, errorMessage, qs } from '../lib/api';
import { Link } from '../lib/router';
import type { ArticleSummary, ListResponse } from '../lib/types';
import { STATUS_LABELS, mayOnArticle } from '../lib/actions';
import { useSession } from '../session';
import { Alert, ArticleBadge, Spinner, Time } from '../components/ui';

export function ArticleList() {
  const { user } = useSession();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [topic, setTopic] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ListResponse<ArticleSummary> | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let cancel = false;
    const t = setTimeout(async () => {
      try {
        // The review queue: oldest submission first.
        const sort = status === 'in_review' ? 'waiting' : undefined;
        const r = await api.get<ListResponse<ArticleSummary>>('/articles' + qs({ q, status, topic, page, limit: 20, sort }));
        if (!cancel) {
          setData(r);
          setError('');
        }
      } catch (e) {
        if (!cancel) setError(errorMessage(e));
      }
    }, 250);
    return () => {
      cancel = true;
      clearTimeout(t);
    };
  }, [q, status, topic, page]);
  const total = data?.total ?? data?.items.length ?? 0;
  const pages = Math.max(1, Math.ceil(total / 20));
  return (
    <div className="page">
      <div className="page-head">
        <h1>Articles</h1>
        {mayOnArticle(user, null, 'create') ? (
          <Link to="/articles/new" className="btn btn-primary">
            New article
          </Link>
        ) : null}
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="flt-q">Search</label>
          <input id="flt-q" type="search" value={q} onChange={(e) => (setQ(e.target.value), setPage(1))} />
        </div>
        <div className="field">
          <label htmlFor="flt-status">Status</label>
          <select id="flt-status" value={status} onChange={(e) => (setStatus(e.target.value), setPage(1))}>
            <option value="">Any</option>
            {Object.entries(STATUS_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="flt-topic">Topic</label>
          <input id="flt-topic" value={topic} onChange={(e) => (setTopic(e.target.value), setPage(1))} />
        </div>
      </form>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!data && !error ? <Spinner /> : null}
      {data ? (
        <>
          <p className="muted" role="status">
            {total} article{total === 1 ? '' : 's'}
          </p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                  <th scope="col">Author</th>
                  <th scope="col">Live</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={`/articles/${a.id}`}>{a.title || a.slug}</Link>
                      <div className="muted mono small">{a.slug}</div>
                    </td>
                    <td>
                      <ArticleBadge status={a.status} scheduledAt={a.scheduledAt} />
                      {a.status === 'in_review' ? (
                        <div className="small muted">
                          {a.resubmission ? <span className="badge resubmission">Resubmitted</span> : null} waiting since <Time value={a.submittedAt ?? a.updatedAt} />
                        </div>
                      ) : null}
                    </td>
                    <td>{a.authorName}</td>
                    <td>{a.hasLive ? 'Live' : '—'}</td>
                    <td>
                      <Time value={a.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 ? (
            <nav className="pager" aria-label="Pages">
              <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <span>
                Page {page} of {pages}
              </span>
              <button type="button" className="btn" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                Next
              </button>
            </nav>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
