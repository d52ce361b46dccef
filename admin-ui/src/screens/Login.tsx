import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { navigate } from '../lib/router';
import { takeReturnTo } from '../lib/draftStore';
import type { User, Permissions } from '../lib/types';
import { Alert } from '../components/ui';

export function Login({ expired, onSignedIn }: { expired: boolean; onSignedIn: (u: User, csrf: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api.post<{ token?: string; csrfToken: string; user: User; permissions?: Permissions }>('/session', { email, password }, { no401Redirect: true });
      const back = takeReturnTo();
      onSignedIn({ ...r.user, permissions: r.permissions }, r.csrfToken);
      navigate(back && back !== '/login' ? back : '/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 400)) setError('Email or password is not right.');
      else if (err instanceof ApiError && err.status === 429) setError('Too many attempts. Wait a moment and try again.');
      else setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Vetted</h1>
        {expired ? (
          <Alert kind="warn">Your session expired. Sign in again; unsaved editor work was kept on this device and will be restored.</Alert>
        ) : null}
        {error ? <Alert kind="error">{error}</Alert> : null}
        <label htmlFor="login-email">Email</label>
        <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
