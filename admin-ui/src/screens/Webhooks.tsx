import { useState, type FormEvent } from 'react';
import { api, errorMessage, errorWithReasons } from '../lib/api';
import { CopyButton } from '../components/CopyButton';
import { useList } from '../lib/useList';
import type { ListResponse } from '../lib/types';
import { Dialog } from '../components/Dialog';
import { ConfirmDialog } from '../components/ActionsPanel';
import { Alert, Spinner, Time } from '../components/ui';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt?: string;
}
interface Delivery {
  id: string;
  event: string;
  status: string | number;
  attempts: number;
  lastError?: string;
  at: string;
}

const EVENTS = ['article.published', 'article.unpublished', 'article.recertified', 'audit.checkpoint'];

export function WebhooksScreen() {
  const { items: hooks, error, setError, reload: load } = useList<Webhook>('/webhooks');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...EVENTS]);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<Record<string, Delivery[]>>({});
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (!events.length) return setError('Choose at least one event.');
    try {
      const h = await api.post<Webhook & { secret: string }>('/webhooks', { url, events });
      setSecret({ url: h.url, secret: h.secret });
      setUrl('');
      void load();
    } catch (err) {
      // The server's reason (e.g. why the URL is refused), not only "invalid input".
      setError(errorWithReasons(err, { url: 'Endpoint URL', events: 'Events' }));
    }
  };
  const toggle = async (h: Webhook) => {
    if (open === h.id) return setOpen(null);
    setOpen(h.id);
    try {
      const r = await api.get<ListResponse<Delivery>>(`/webhooks/${h.id}/deliveries`);
      setDeliveries((d) => ({ ...d, [h.id]: r.items ?? [] }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (h: Webhook) => {
    try {
      await api.del(`/webhooks/${h.id}`);
      setDeleting(null);
      void load();
    } catch (err) {
      setDeleting(null);
      setError(errorMessage(err));
    }
  };
  return (
    <div className="page">
      <h1>Webhooks</h1>
      <p className="muted">Vetted POSTs these events with an HMAC-SHA256 signature and retries with backoff.</p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <form className="card" onSubmit={create}>
        <h2>Add a webhook</h2>
        <div className="field">
          <label htmlFor="wh-url">Endpoint URL</label>
          <input id="wh-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/vetted" />
        </div>
        <fieldset className="group">
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <label key={ev} className="check">
              <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} />{' '}
              <span className="mono">{ev}</span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn-primary">
          Add webhook
        </button>
      </form>
      {!hooks ? <Spinner /> : null}
      {hooks && !hooks.length ? <p className="muted">No webhooks yet.</p> : null}
      {hooks?.map((h) => (
        <section key={h.id} className="card" aria-label={`Webhook ${h.url}`}>
          <p className="mono break">{h.url}</p>
          <p className="small">
            {h.events.join(', ')} · created <Time value={h.createdAt} />
          </p>
          <button type="button" className="btn-small" aria-expanded={open === h.id} onClick={() => toggle(h)}>
            {open === h.id ? 'Hide delivery log' : 'Show delivery log'}
          </button>{' '}
          <button type="button" className="btn-small btn-danger-text" onClick={() => setDeleting(h)} aria-label={`Delete webhook ${h.url}`}>
            Delete
          </button>
          {open === h.id ? (
            deliveries[h.id] ? (
              deliveries[h.id].length ? (
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Event</th>
                        <th scope="col">Status</th>
                        <th scope="col">Attempts</th>
                        <th scope="col">Last error</th>
                      </tr>
                    </thead>
                    <tbody>
                      {deliveries[h.id].map((d) => (
                        <tr key={d.id}>
                          <td>
                            <Time value={d.at} />
                          </td>
                          <td className="mono">{d.event}</td>
                          <td>{String(d.status)}</td>
                          <td>{d.attempts}</td>
                          <td className="break">{d.lastError || '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="muted">No deliveries yet.</p>
              )
            ) : (
              <Spinner />
            )
          ) : null}
        </section>
      ))}
      {secret ? (
        <Dialog title="Webhook added" onClose={() => setSecret(null)}>
          <p>
            Signing secret for <span className="mono break">{secret.url}</span>. <strong>It will not be shown again.</strong>
          </p>
          <label htmlFor="wh-secret">Secret</label>
          <input id="wh-secret" className="mono" readOnly value={secret.secret} data-autofocus onFocus={(e) => e.target.select()} />
          <div className="dialog-actions">
            <CopyButton value={secret.secret} label="Copy secret" />
            <button type="button" className="btn btn-primary" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </Dialog>
      ) : null}
      {deleting ? (
        <ConfirmDialog title="Delete webhook?" text={`Stop sending events to ${deleting.url}.`} confirm="Delete" onClose={() => setDeleting(null)} onConfirm={() => remove(deleting)} />
      ) : null}
    </div>
  );
}
