import { useState, type FormEvent } from 'react';
import { api, errorMessage, errorWithReasons } from '../lib/api';
import { CopyButton } from '../components/CopyButton';
import { useList } from '../lib/useList';
import { Dialog } from '../components/Dialog';
import { ConfirmDialog } from '../components/ActionsPanel';
import { Alert, Spinner, Time } from '../components/ui';

interface Token {
  id: string;
  name: string;
  createdAt?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  /** delivery: reads published articles; preview: reads working copies through the preview route only. */
  scope?: 'delivery' | 'preview';
}

const SCOPES = {
  delivery: 'Delivery (published articles)',
  preview: 'Preview (working copies, for site previews)',
};

export function TokensScreen() {
  const { items: tokens, error, setError, reload: load } = useList<Token>('/tokens');
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'delivery' | 'preview'>('delivery');
  const [created, setCreated] = useState<{ name: string; token: string; scope: string } | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      const t = await api.post<{ id: string; name: string; token: string; scope?: string }>('/tokens', { name, scope });
      setCreated({ name: t.name, token: t.token, scope: t.scope ?? scope });
      setName('');
      void load();
    } catch (err) {
      setError(errorWithReasons(err, { name: 'Token name', scope: 'Scope' }));
    }
  };
  const revoke = async (t: Token) => {
    try {
      await api.del(`/tokens/${t.id}`);
      setRevoking(null);
      void load();
    } catch (err) {
      setError(errorMessage(err));
      setRevoking(null);
    }
  };
  return (
    <div className="page">
      <h1>API tokens</h1>
      <p className="muted">
        Websites use delivery tokens to read published articles from the delivery API (/api/v1), and a preview token to show a working copy in their own layout
        before it is signed off (/api/v1/preview; it reads nothing else).
      </p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <form className="card inline-form" onSubmit={create}>
        <div className="field">
          <label htmlFor="tok-name">Token name</label>
          <input id="tok-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. marketing site" />
        </div>
        <div className="field">
          <label htmlFor="tok-scope">Scope</label>
          <select id="tok-scope" value={scope} onChange={(e) => setScope(e.target.value as 'delivery' | 'preview')}>
            {Object.entries(SCOPES).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary">
          Create token
        </button>
      </form>
      {!tokens ? <Spinner /> : null}
      {tokens ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.scope === 'preview' ? <span className="badge scope-preview">preview</span> : 'delivery'}</td>
                  <td>
                    <Time value={t.createdAt} />
                  </td>
                  <td>{t.lastUsedAt ? <Time value={t.lastUsedAt} /> : 'never'}</td>
                  <td>{t.revokedAt ? <>revoked <Time value={t.revokedAt} /></> : 'active'}</td>
                  <td>
                    {!t.revokedAt ? (
                      <button type="button" className="btn-small btn-danger-text" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {created ? (
        <Dialog title="Token created" onClose={() => setCreated(null)}>
          <p>
            Copy the {created.scope === 'preview' ? 'preview' : 'delivery'} token for <strong>{created.name}</strong> now. <strong>It will not be shown again.</strong>
          </p>
          <label htmlFor="tok-value">Token</label>
          <input id="tok-value" className="mono" readOnly value={created.token} data-autofocus onFocus={(e) => e.target.select()} data-testid="new-token" />
          <div className="dialog-actions">
            <CopyButton value={created.token} label="Copy token" />
            <button type="button" className="btn btn-primary" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </Dialog>
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          text="Sites using this token lose access to the delivery API immediately."
          confirm="Revoke"
          onClose={() => setRevoking(null)}
          onConfirm={() => revoke(revoking)}
        />
      ) : null}
    </div>
  );
}
