import { useEffect, useState } from 'react';
import { api, errorMessage, qs } from '../lib/api';
import type { ArticleSummary, AuditEvent, ListResponse } from '../lib/types';
import { Link } from '../lib/router';
import { Alert, Spinner, Time, shortHash } from '../components/ui';

interface VerifyResult {
  ok: boolean;
  events?: number;
  firstBadSeq?: number;
  reason?: string;
}

export function AuditScreen() {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState('');
  const [action, setAction] = useState('');
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [titles, setTitles] = useState<Record<string, string>>({});
  useEffect(() => {
    api
      .get<ListResponse<ArticleSummary>>('/articles?limit=100')
      .then((r) => setTitles(Object.fromEntries((r.items ?? []).map((a) => [a.id, a.title || a.slug]))))
      .catch(() => {});
  }, []);
  useEffect(() => {
    let cancel = false;
    api
      .get<ListResponse<AuditEvent>>('/audit' + qs({ action }))
      .then((r) => !cancel && setEvents(r.items ?? []))
      .catch((e) => !cancel && setError(errorMessage(e)));
    return () => {
      cancel = true;
    };
  }, [action]);
  const runVerify = async () => {
    setVerifying(true);
    setVerify(null);
    try {
      setVerify(await api.get<VerifyResult>('/audit/verify'));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setVerifying(false);
    }
  };
  return (
    <div className="page">
      <h1>Audit log</h1>
      <section className="card" aria-labelledby="verify-h">
        <h2 id="verify-h">Chain verification</h2>
        <p className="muted">Every event carries the hash of the one before it. Verification recomputes the whole chain: any later change or deletion shows up.</p>
        <button type="button" className="btn btn-primary" onClick={runVerify} disabled={verifying}>
          {verifying ? 'Verifying…' : 'Verify audit chain'}
        </button>
        <div aria-live="polite">
          {verify ? (
            verify.ok ? (
              <Alert kind="ok">The audit chain is intact ({verify.events} events).</Alert>
            ) : (
              <Alert kind="error">
                The audit chain is broken at event #{verify.firstBadSeq}
                {verify.reason ? `: ${verify.reason}` : ''}.
              </Alert>
            )
          ) : null}
        </div>
      </section>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <div className="filters">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Any</option>
            {['create', 'edit', 'submit', 'withdraw', 'request_changes', 'approve', 'publish', 'unpublish', 'archive', 'recertify', 'publish.scheduled', 'user.create', 'user.update', 'user.license_verify', 'token.create', 'token.revoke', 'webhook.change'].map((a) => (
              <option key={a} value={a}>
                {a.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!events && !error ? <Spinner /> : null}
      {events ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Article</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {[...events]
                .sort((a, b) => b.seq - a.seq)
                .slice(0, 200)
                .map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td>
                      <Time value={e.at} />
                    </td>
                    <td>{e.actorName || e.actor}</td>
                    <td>
                      {e.action.replace(/_/g, ' ')}
                      {e.from && e.to && e.from !== e.to ? <span className="small muted"> ({e.from} → {e.to})</span> : null}
                      {e.comment ? <div className="small">“{e.comment}”</div> : null}
                    </td>
                    <td>{e.articleId ? <Link to={`/articles/${e.articleId}/history`}>{titles[e.articleId] ?? e.articleId}</Link> : '—'}</td>
                    <td className="mono small">{shortHash(e.hash)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
