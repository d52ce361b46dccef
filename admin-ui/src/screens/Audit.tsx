import { useEffect, useState } from 'react';
import { api, errorMessage, qs } from '../lib/api';
import type { ArticleSummary, AuditEvent, ListResponse } from '../lib/types';
import { Link } from '../lib/router';
import { Alert, Spinner, Time, shortHash } from '../components/ui';

interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  key: string;
  signature: string;
}

interface AuditProblem {
  kind: string;
  seq?: number;
  subject?: string;
  message: string;
}

interface VerifyResult {
  ok: boolean;
  events?: number;
  firstBadSeq?: number;
  reason?: string;
  checkpoints?: number;
  newestCheckpoint?: Checkpoint | null;
  anchorAgrees?: boolean;
  problems?: AuditProblem[];
  warnings?: string[];
}

interface AnchorStatus {
  publicKey: string;
  anchors: string[];
  newestCheckpoint: Checkpoint | null;
  anchorAgrees: boolean;
  reason?: string;
}

/** AnchorCard shows the checkpoint key, the newest checkpoint and whether the log still agrees with it. */
function AnchorCard({ anchor }: { anchor: AnchorStatus | null }) {
  if (!anchor) return <Spinner />;
  const cp = anchor.newestCheckpoint;
  return (
    <>
      <dl className="sig-meta">
        <dt>Checkpoint public key</dt>
        <dd className="mono small" data-testid="audit-public-key">{anchor.publicKey || 'not configured'}</dd>
        <dt>Newest checkpoint</dt>
        <dd data-testid="audit-newest-checkpoint">
          {cp ? (
            <>
              event #{cp.seq}, <Time value={cp.at} /> <span className="mono small">({shortHash(cp.hash)})</span>
            </>
          ) : (
            'none yet'
          )}
        </dd>
        <dt>Anchor</dt>
        <dd className="mono small">{anchor.anchors.join(', ') || '—'}</dd>
      </dl>
      {cp ? (
        anchor.anchorAgrees ? (
          <Alert kind="ok">The anchor agrees: the log still holds event #{cp.seq} with the hash its checkpoint signed.</Alert>
        ) : (
          <Alert kind="error">The anchor does not agree with the log{anchor.reason ? `: ${anchor.reason}` : ''}.</Alert>
        )
      ) : (
        <Alert kind="warn">No checkpoint yet: one is written after 100 events, a minute after a change, and at shutdown.</Alert>
      )}
    </>
  );
}

/** VerifyOutcome is the full verification's answer. */
function VerifyOutcome({ verify }: { verify: VerifyResult }) {
  const problems = verify.problems ?? [];
  return (
    <>
      {verify.ok ? (
        <Alert kind="ok">
          The audit chain is intact ({verify.events} events)
          {verify.newestCheckpoint
            ? `, and all ${verify.checkpoints} signed checkpoints agree with it (newest: event #${verify.newestCheckpoint.seq})`
            : ''}
          .
        </Alert>
      ) : verify.firstBadSeq ? (
        <Alert kind="error">
          The audit chain is broken at event #{verify.firstBadSeq}
          {verify.reason ? `: ${verify.reason}` : ''}.
        </Alert>
      ) : (
        <Alert kind="error">The audit trail could not be verified{verify.reason ? `: ${verify.reason}` : ''}.</Alert>
      )}
      {problems.length > 0 ? (
        <ul className="small" aria-label="Problems found">
          {problems.map((p, i) => (
            <li key={i}>
              <strong>{p.kind}</strong>
              {p.seq ? ` (from event #${p.seq})` : ''}: {p.subject ? `${p.subject}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {(verify.warnings ?? []).map((w, i) => (
        <Alert key={i} kind="warn">
          {w}
        </Alert>
      ))}
    </>
  );
}

export function AuditScreen() {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState('');
  const [action, setAction] = useState('');
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [anchor, setAnchor] = useState<AnchorStatus | null>(null);
  const [titles, setTitles] = useState<Record<string, string>>({});
  useEffect(() => {
    api
      .get<ListResponse<ArticleSummary>>('/articles?limit=100')
      .then((r) => setTitles(Object.fromEntries((r.items ?? []).map((a) => [a.id, a.title || a.slug]))))
      .catch(() => {});
  }, []);
  useEffect(() => {
    api
      .get<AnchorStatus>('/audit/anchor')
      .then(setAnchor)
      .catch((e) => setError(errorMessage(e)));
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
      setAnchor(await api.get<AnchorStatus>('/audit/anchor'));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setVerifying(false);
    }
  };
  return (
    <div className="page">
      <h1>Audit log</h1>
      <section className="card" aria-labelledby="anchor-h">
        <h2 id="anchor-h">Checkpoints outside the database</h2>
        <p className="muted">
          Signed checkpoints of the log&apos;s head are kept outside the database. Anyone holding the public key and a copy of the anchor can prove the log was not
          truncated or rewritten up to the newest checkpoint.
        </p>
        <AnchorCard anchor={anchor} />
      </section>
      <section className="card" aria-labelledby="verify-h">
        <h2 id="verify-h">Chain verification</h2>
        <p className="muted">
          Every event carries the hash of the one before it. Verification recomputes the whole chain, checks it against every signed checkpoint, and finds articles,
          users and tokens whose last change has no event in the log.
        </p>
        <button type="button" className="btn btn-primary" onClick={runVerify} disabled={verifying}>
          {verifying ? 'Verifying…' : 'Verify audit chain'}
        </button>
        <div aria-live="polite">{verify ? <VerifyOutcome verify={verify} /> : null}</div>
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
                <th scope="col">About</th>
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
                    <td className="break">
                      {e.articleId ? (
                        <Link to={`/articles/${e.articleId}/history`}>{e.objectLabel || titles[e.articleId] || e.articleId}</Link>
                      ) : (
                        e.objectLabel || '—'
                      )}
                    </td>
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
