import { useCallback, useEffect, useRef, useState } from 'react';
import { api, setCsrf, setUnauthenticatedHandler, ApiError } from './lib/api';
import { Link, match, navigate, useLocation } from './lib/router';
import { SessionContext, type Session } from './session';
import type { Permissions, User } from './lib/types';
import { mayCall } from './lib/actions';
import { setReturnTo } from './lib/draftStore';
import { Login } from './screens/Login';
import { Dashboard } from './screens/Dashboard';
import { ArticleList } from './screens/ArticleList';
import { EditorScreen } from './screens/Editor';
import { ReviewScreen } from './screens/Review';
import { HistoryScreen } from './screens/History';
import { UsersScreen } from './screens/Users';
import { TokensScreen } from './screens/Tokens';
import { WebhooksScreen } from './screens/Webhooks';
import { AuditScreen } from './screens/Audit';
import { Alert } from './components/ui';
import { setImageHosts } from './lib/markdown';
import { SettingsScreen } from './screens/Settings';
import { ProfileScreen } from './screens/Profile';

type Phase = 'loading' | 'signedOut' | 'signedIn';

export function App() {
  const { path } = useLocation();
  const [phase, setPhase] = useState<Phase>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [expired, setExpired] = useState(false);
  const phaseRef = useRef(phase);
  phaseRef.current = phase;

  const loadMe = useCallback(async () => {
    try {
      const me = await api.get<{ user: User; csrfToken: string; permissions: Permissions; imageHosts?: string[]; previewUrl?: string }>('/me', { no401Redirect: true });
      setCsrf(me.csrfToken);
      setImageHosts(me.imageHosts);
      setUser({ ...me.user, permissions: me.permissions, previewUrl: me.previewUrl ?? '' });
      setPhase('signedIn');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setPhase('signedOut');
        setUser(null);
      } else if (phaseRef.current !== 'signedIn') {
        // Still booting: without a session we can only offer the sign-in screen.
        // Once signed in, a failed refresh (e.g. the network) keeps the session.
        setPhase('signedOut');
      }
    }
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      // Session expired mid-work: editors have already stored their unsaved
      // work (see Editor); come back here after signing in again.
      if (phaseRef.current === 'signedIn') {
        const here = location.pathname.replace(/^\/admin/, '') || '/';
        if (here !== '/login') setReturnTo(here + location.search);
        setExpired(true);
      }
      setUser(null);
      setPhase('signedOut');
    });
    void loadMe();
  }, [loadMe]);

  useEffect(() => {
    if (phase === 'signedOut' && path !== '/login') {
      if (path !== '/') setReturnTo(path + location.search);
      navigate('/login', { replace: true });
    }
  }, [phase, path]);

  if (phase === 'loading') return <p className="boot">Loading Vetted…</p>;

  if (phase === 'signedOut' || !user) {
    return (
      <Login
        expired={expired}
        onSignedIn={(u, csrf) => {
          setCsrf(csrf);
          setUser(u);
          setExpired(false);
          setPhase('signedIn');
          void loadMe(); // what sign-in does not carry (image hosts, preview URL)
        }}
      />
    );
  }

  const session: Session = {
    user,
    refresh: loadMe,
    signOut: async () => {
      try {
        await api.del('/session', { no401Redirect: true });
      } catch {
        /* already gone */
      }
      setCsrf('');
      setUser(null);
      setExpired(false);
      setPhase('signedOut');
      navigate('/login', { replace: true });
    },
  };

  return (
    <SessionContext.Provider value={session}>
      <Shell path={path} user={user} onSignOut={session.signOut} />
    </SessionContext.Provider>
  );
}

function Shell({ path, user, onSignOut }: { path: string; user: User; onSignOut: () => void }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const firstPath = useRef(true);
  useEffect(() => {
    setMenuOpen(false);
    // Route change: move focus to the page so screen readers and keyboard users start at the top.
    if (firstPath.current) firstPath.current = false;
    else document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  useEffect(() => {
    if (path === '/login') navigate('/', { replace: true });
  }, [path]);
  const may = (route: string) => mayCall(user, route);
  const nav: { to: string; label: string; show: boolean }[] = [
    { to: '/', label: 'Dashboard', show: true },
    { to: '/articles', label: 'Articles', show: true },
    { to: '/users', label: 'Users', show: may('GET /api/admin/users') },
    { to: '/tokens', label: 'API tokens', show: may('GET /api/admin/tokens') },
    { to: '/webhooks', label: 'Webhooks', show: may('GET /api/admin/webhooks') },
    { to: '/audit', label: 'Audit log', show: may('GET /api/admin/audit') },
    { to: '/settings', label: 'Settings', show: may('GET /api/admin/settings') },
  ];
  const current = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(to + '/'));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Vetted
        </Link>
        <button type="button" className="btn-ghost menu-toggle" aria-expanded={menuOpen} aria-controls="mainnav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <nav id="mainnav" aria-label="Main" className={menuOpen ? 'open' : ''}>
          <ul>
            {nav
              .filter((n) => n.show)
              .map((n) => (
                <li key={n.to}>
                  <Link to={n.to} aria-current={current(n.to) ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <Link to="/profile" className="who-name" title={`${user.email}: your profile`}>
            {user.name || user.email}
            <span className="who-roles">{user.roles.map((r) => r.replace('_', ' ')).join(', ')}</span>
          </Link>
          <button type="button" className="btn-ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes path={path} />
      </main>
    </div>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/' || path === '/login') return <Dashboard />;
  if (path === '/articles') return <ArticleList />;
  if (path === '/articles/new') return <EditorScreen key="new" id={null} />;
  if ((m = match('/articles/:id', path))) return <EditorScreen key={m.id} id={m.id} />;
  if ((m = match('/articles/:id/review', path))) return <ReviewScreen key={m.id} id={m.id} />;
  if ((m = match('/articles/:id/history', path))) return <HistoryScreen key={m.id} id={m.id} />;
  if (path === '/users') return <UsersScreen />;
  if (path === '/tokens') return <TokensScreen />;
  if (path === '/webhooks') return <WebhooksScreen />;
  if (path === '/audit') return <AuditScreen />;
  if (path === '/settings') return <SettingsScreen />;
  if (path === '/profile') return <ProfileScreen />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <Alert kind="warn">There is no page at {path}.</Alert>
      <Link to="/">Back to the dashboard</Link>
    </div>
  );
}
