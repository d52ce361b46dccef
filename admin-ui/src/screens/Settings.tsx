import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api';
import type { SiteSettings } from '../lib/types';
import { Alert, Spinner } from '../components/ui';
import { PolicyImage } from '../components/ArticlePreview';

function settingsOf(s: Partial<SiteSettings> | null | undefined): SiteSettings {
  return {
    publisher: { name: s?.publisher?.name ?? '', url: s?.publisher?.url ?? '', logoUrl: s?.publisher?.logoUrl ?? '' },
    editorialPolicy: { statement: s?.editorialPolicy?.statement ?? '', url: s?.editorialPolicy?.url ?? '' },
    previewUrl: s?.previewUrl ?? '',
  };
}

/** Site settings (admin only): the publisher and its editorial promise, delivered with every article. */
export function SettingsScreen() {
  const [s, setS] = useState<SiteSettings | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get<SiteSettings>('/settings').then(
      (r) => setS(settingsOf(r)),
      (e) => setError(errorMessage(e)),
    );
  }, []);
  if (!s) return <div className="page">{error ? <Alert kind="error">{error}</Alert> : <Spinner />}</div>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setNotice('');
    setFields({});
    try {
      setS(settingsOf(await api.put<SiteSettings>('/settings', s)));
      setNotice('Settings saved. Every article delivers them from now on.');
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fields);
    } finally {
      setBusy(false);
    }
  };
  const input = (path: string, label: string, value: string, set: (v: string) => void, type = 'text', hint?: string) => {
    const id = 'set-' + path.replace(/\W/g, '-');
    return (
      <div className={'field' + (fields[path] ? ' has-error' : '')}>
        <label htmlFor={id}>{label}</label>
        {hint ? <p className="hint">{hint}</p> : null}
        {type === 'textarea' ? (
          <textarea id={id} rows={3} value={value} onChange={(e) => set(e.target.value)} aria-invalid={fields[path] ? true : undefined} />
        ) : (
          <input id={id} type={type} value={value} onChange={(e) => set(e.target.value)} aria-invalid={fields[path] ? true : undefined} />
        )}
        {fields[path] ? <p className="field-error">{fields[path]}</p> : null}
      </div>
    );
  };
  const pub = (k: keyof SiteSettings['publisher']) => (v: string) => setS({ ...s, publisher: { ...s.publisher, [k]: v } });
  const pol = (k: keyof SiteSettings['editorialPolicy']) => (v: string) => setS({ ...s, editorialPolicy: { ...s.editorialPolicy, [k]: v } });
  return (
    <div className="page narrow-page">
      <div className="page-head">
        <h1>Site settings</h1>
      </div>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      <form className="card" onSubmit={submit}>
        <fieldset className="group">
          <legend>Publisher</legend>
          <p className="hint">Delivered with every article and in its JSON-LD as the publishing organization.</p>
          {input('publisher.name', 'Publisher name', s.publisher.name, pub('name'))}
          {input('publisher.url', 'Publisher website', s.publisher.url, pub('url'), 'url')}
          {input('publisher.logoUrl', 'Logo URL', s.publisher.logoUrl, pub('logoUrl'), 'url')}
          {s.publisher.logoUrl ? <PolicyImage className="logo-preview" src={s.publisher.logoUrl} alt={`${s.publisher.name || 'Publisher'} logo`} /> : null}
        </fieldset>
        <fieldset className="group">
          <legend>Editorial policy</legend>
          {input('editorialPolicy.statement', 'Statement shown to readers', s.editorialPolicy.statement, pol('statement'), 'textarea', 'e.g. “Every piece of content is reviewed by a licensed clinician before publishing.”')}
          {input('editorialPolicy.url', 'Editorial policy page URL', s.editorialPolicy.url, pol('url'), 'url')}
        </fieldset>
        <fieldset className="group">
          <legend>Previews</legend>
          {input('previewUrl', 'Site preview URL', s.previewUrl, (v) => setS({ ...s, previewUrl: v }), 'url', 'Where your site renders a working copy in its own layout, with {id} and {slug} filled in (e.g. https://www.example.org/api/draft?id={id}&slug={slug}). The editor and review screens then offer “Preview on site”; the site reads the draft with a preview token (Tokens).')}
          {s.previewUrl && !/\{id\}|\{slug\}/.test(s.previewUrl) ? (
            <p className="small" role="status">
              This address has neither {'{id}'} nor {'{slug}'}: every article would open the same page.
            </p>
          ) : null}
        </fieldset>
        <div className="dialog-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Save settings
          </button>
        </div>
      </form>
    </div>
  );
}
