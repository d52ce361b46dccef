import { useEffect, useState } from 'react';
import { api, errorMessage, qs } from '../lib/api';
import type { DiffResponse, Revision } from '../lib/types';
import { Alert, DiffView, Spinner, formatTime } from './ui';

/** Pick any two revisions and show the server's diff between them. */
export function RevisionCompare({
  articleId,
  revisions,
  initialFrom,
  initialTo,
  fromNote,
}: {
  articleId: string;
  revisions: Revision[];
  initialFrom?: string;
  initialTo?: string;
  /** Why initialFrom is the default, shown while it is selected. */
  fromNote?: string;
}) {
  const sorted = [...revisions].sort((a, b) => a.rev - b.rev);
  const last = sorted[sorted.length - 1]?.rev;
  const [from, setFrom] = useState(initialFrom ?? String(sorted.length > 1 ? sorted[sorted.length - 2].rev : last ?? ''));
  const [to, setTo] = useState(initialTo ?? String(last ?? ''));
  const [diff, setDiff] = useState<DiffResponse | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!from || !to) return;
    let cancel = false;
    setDiff(null);
    setError('');
    api
      .get<DiffResponse>(`/articles/${articleId}/diff` + qs({ from, to }))
      .then((d) => !cancel && setDiff(d))
      .catch((e) => !cancel && setError(errorMessage(e)));
    return () => {
      cancel = true;
    };
  }, [articleId, from, to]);
  if (!sorted.length) return <p className="muted">No revisions yet.</p>;
  const opt = (r: Revision) => (
    <option key={r.rev} value={String(r.rev)}>
      Revision {r.rev} — {r.editedByName || r.editedBy}, {formatTime(r.at)}
    </option>
  );
  return (
    <div className="compare">
      <div className="row2">
        <div className="field">
          <label htmlFor="cmp-from">From{fromNote && from === initialFrom ? ` (${fromNote})` : ''}</label>
          <select id="cmp-from" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="signed">Last signed version</option>
            {sorted.map(opt)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="cmp-to">To</label>
          <select id="cmp-to" value={to} onChange={(e) => setTo(e.target.value)}>
            {sorted.map(opt)}
          </select>
        </div>
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!diff && !error ? <Spinner label="Comparing…" /> : null}
      {diff ? <DiffView changes={diff.changes ?? []} emptyText="These revisions have the same content." /> : null}
    </div>
  );
}
