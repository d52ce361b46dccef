import { useEffect, useState } from 'react';
import { api, errorMessage } from '../lib/api';
import type { Article, AuditEvent, ListResponse, Revision, Signature } from '../lib/types';
import { useLocation } from '../lib/router';
import { ArticleTabs } from '../components/ArticleChrome';
import { RevisionCompare } from '../components/RevisionCompare';
import { sinceRequestedRev } from '../lib/compare';
import { Alert, SignatureCard, Spinner, StatusBadge, Time, shortHash } from '../components/ui';

const ACTION_TEXT: Record<string, string> = {
  create: 'created the article',
  update: 'edited the content',
  edit: 'edited the content',
  submit: 'submitted for clinical review',
  withdraw: 'withdrew from review',
  request_changes: 'requested changes',
  approve: 'signed off (approved)',
  void_approval: 'voided the approval by editing',
  publish: 'published',
  schedule: 'scheduled publication',
  'publish.scheduled': 'scheduled publication',
  'user.license_verify': 'verified a license',
  unpublish: 'unpublished',
  archive: 'archived',
  recertify: 're-certified',
};

export function HistoryScreen({ id }: { id: string }) {
  const { search } = useLocation();
  const [article, setArticle] = useState<Article | null>(null);
  const [revisions, setRevisions] = useState<Revision[] | null>(null);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [signatures, setSignatures] = useState<Signature[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    let cancel = false;
    Promise.all([
      api.get<Article>(`/articles/${id}`),
      api.get<ListResponse<Revision>>(`/articles/${id}/revisions`),
      api.get<ListResponse<AuditEvent>>(`/articles/${id}/events`),
      api.get<ListResponse<Signature>>(`/articles/${id}/signatures`),
    ])
      .then(([a, r, e, s]) => {
        if (cancel) return;
        setArticle(a);
        setRevisions(r.items ?? []);
        setEvents(e.items ?? []);
        setSignatures(s.items ?? []);
      })
      .catch((e) => !cancel && setError(errorMessage(e)));
    return () => {
      cancel = true;
    };
  }, [id]);
  if (error) return <div className="page"><Alert kind="error">{error}</Alert></div>;
  if (!article || !revisions) return <div className="page"><Spinner /></div>;
  const sigByRev = new Map<number, Signature[]>();
  for (const s of signatures) sigByRev.set(s.rev, [...(sigByRev.get(s.rev) ?? []), s]);
  return (
    <div className="page">
      <div className="page-head">
        <h1>History: {article.title || article.slug}</h1>
      </div>
      <ArticleTabs id={article.id} current="history" />
      <div className="history-grid">
        <section className="card" aria-labelledby="sig-h">
          <h2 id="sig-h">Signatures</h2>
          {signatures.length ? (
            <ol className="plain-list">
              {signatures.map((s, i) => (
                <li key={s.id ?? i}>
                  <SignatureCard sig={s} />
                </li>
              ))}
            </ol>
          ) : (
            <p className="muted">No clinician has signed this article yet.</p>
          )}
        </section>
        <section className="card" aria-labelledby="revs-h">
          <h2 id="revs-h">Revisions</h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Rev</th>
                  <th scope="col">Edited by</th>
                  <th scope="col">When</th>
                  <th scope="col">Hash</th>
                  <th scope="col">Notes</th>
                </tr>
              </thead>
              <tbody>
                {[...revisions]
                  .sort((a, b) => b.rev - a.rev)
                  .map((r) => (
                    <tr key={r.rev}>
                      <td>{r.rev}</td>
                      <td>{r.editedByName || r.editedBy}</td>
                      <td className="nowrap">
                        <Time value={r.at} />
                      </td>
                      <td className="mono small">{shortHash(r.contentHash)}</td>
                      <td>
                        {article.live?.rev === r.rev ? <span className="badge live-badge">Live</span> : null}{' '}
                        {article.rev === r.rev ? <span className="badge">Working draft</span> : null}{' '}
                        {sigByRev.get(r.rev)?.map((s, i) => (
                          <span key={i} className="badge lic-ok">
                            Signed by {s.signerName}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </section>
        <section className="card wide" aria-labelledby="cmp-h">
          <h2 id="cmp-h">Compare revisions</h2>
          <RevisionCompare articleId={article.id} revisions={revisions} initialFrom={search.get('from') ?? sinceRequestedRev(events, article.rev)?.toString()}
            fromNote={search.get('from') ? undefined : 'since changes were last requested'} initialTo={search.get('to') ?? undefined} />
        </section>
        <section className="card wide" aria-labelledby="tl-h">
          <h2 id="tl-h">Audit timeline</h2>
          {events.length ? (
            <ol className="timeline">
              {[...events]
                .sort((a, b) => b.seq - a.seq)
                .map((e) => {
                  const sig = (e.action === 'approve' || e.action === 'recertify') && e.rev !== undefined ? sigByRev.get(e.rev)?.find((s) => !s.action || s.action === e.action) : undefined;
                  return (
                    <li key={e.seq} className={'tl-item tl-' + e.action}>
                      <p>
                        <strong>{e.actorName || e.actor}</strong> {ACTION_TEXT[e.action] ?? e.action.replace(/_/g, ' ')}
                        {e.rev !== undefined && e.rev !== null ? <> · revision {e.rev}</> : null}
                        {e.from && e.to && e.from !== e.to ? (
                          <>
                            {' '}
                            · <StatusBadge status={e.from} /> → <StatusBadge status={e.to} />
                          </>
                        ) : null}
                      </p>
                      <p className="small muted">
                        <Time value={e.at} /> · event #{e.seq} · hash <span className="mono">{shortHash(e.hash)}</span>
                      </p>
                      {e.comment ? <blockquote>{e.comment}</blockquote> : null}
                      {sig ? <SignatureCard sig={sig} /> : null}
                    </li>
                  );
                })}
            </ol>
          ) : (
            <p className="muted">No events.</p>
          )}
        </section>
      </div>
    </div>
  );
}
