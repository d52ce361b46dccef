import { type ReactNode } from 'react';
import { STATUS_LABELS } from '../lib/actions';
import { licenseStatus } from '../lib/license';
import type { License, Signature, DiffChange } from '../lib/types';
import { groupByTopLevel, lineClass, lineMarker, linesOf, diffStats } from '../lib/diff';
import { pathLabel } from '../lib/fields';

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

/** The status badge, saying "Scheduled" with its time for an approved article that has a publish time. */
export function ArticleBadge({ status, scheduledAt }: { status: string; scheduledAt?: string | null }) {
  if (status === 'approved' && scheduledAt)
    return (
      <span className="badge status-scheduled" data-testid="scheduled-badge">
        Scheduled · {formatTime(scheduledAt)}
      </span>
    );
  return <StatusBadge status={status} />;
}

export function Alert({ kind = 'info', children, role }: { kind?: 'info' | 'error' | 'warn' | 'ok'; children: ReactNode; role?: string }) {
  return (
    <div className={`alert alert-${kind}`} role={role ?? (kind === 'error' ? 'alert' : 'status')}>
      {children}
    </div>
  );
}

export function formatTime(s?: string | null): string {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function Time({ value }: { value?: string | null }) {
  if (!value) return null;
  return <time dateTime={value}>{formatTime(value)}</time>;
}

export function shortHash(h?: string): string {
  return h ? h.slice(0, 12) : '';
}

export function LicenseBadge({ license }: { license?: License | null }) {
  const s = licenseStatus(license);
  const kind = s.state === 'valid' ? 'ok' : s.state === 'expiring' ? 'warn' : 'bad';
  return <span className={`badge lic-${kind}`}>{s.text}</span>;
}

export function SignatureCard({ sig, label }: { sig: Signature; label?: string }) {
  return (
    <div className="signature" aria-label={label ?? 'Signature'}>
      <div className="sig-title">
        <span aria-hidden="true">✔</span> Signed: <strong>{sig.signerName}</strong>
        {sig.credentials ? <>, {sig.credentials}</> : null}
      </div>
      <dl className="sig-meta">
        <dt>Meaning</dt>
        <dd>{sig.meaning}</dd>
        <dt>Time</dt>
        <dd>
          <Time value={sig.at} />
        </dd>
        <dt>Revision</dt>
        <dd>
          {sig.rev} <span className="mono">({shortHash(sig.contentHash)})</span>
        </dd>
        {sig.license?.number ? (
          <>
            <dt>License</dt>
            <dd>
              {sig.license.type} {sig.license.number} ({sig.license.jurisdiction}), expires {sig.license.expiresOn}
            </dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

export function DiffView({ changes, emptyText = 'No differences.' }: { changes: DiffChange[]; emptyText?: string }) {
  if (!changes.length) return <p className="muted">{emptyText}</p>;
  const stats = diffStats(changes);
  return (
    <div className="diff">
      <p className="diff-stats">
        {stats.fields} field{stats.fields === 1 ? '' : 's'} changed · <span className="diff-add-text">+{stats.added}</span>{' '}
        <span className="diff-del-text">−{stats.removed}</span> lines
      </p>
      {groupByTopLevel(changes).map((g) => (
        <section key={g.field} className="diff-group">
          <h4>{pathLabel(g.field)}</h4>
          {g.changes.map((c) => (
            <div key={c.path} className="diff-change">
              <div className="diff-path">
                <span className={`badge kind-${c.kind}`}>{c.kind}</span> {pathLabel(c.path)}
              </div>
              <pre className="diff-lines">
                {linesOf(c).map((l, i) => (
                  <div key={i} className={lineClass(l.op)}>
                    <span className="diff-op" aria-label={lineMarker(l.op)}>
                      {l.op === ' ' ? ' ' : l.op === '+' ? '+' : '−'}
                    </span>
                    {l.text || ' '}
                  </div>
                ))}
              </pre>
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="muted" role="status">
      {label}
    </p>
  );
}
