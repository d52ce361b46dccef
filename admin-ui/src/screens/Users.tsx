import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api';
import { useList } from '../lib/useList';
import type { License, Role, User } from '../lib/types';
import { licenseStatus } from '../lib/license';
import { profileOf, userPatchBody } from '../lib/userPatch';
import { ProfileFields } from '../components/ProfileFields';
import { Dialog } from '../components/Dialog';
import { Alert, LicenseBadge, Spinner, Time } from '../components/ui';

/** A role's name as people read it: clinical_reviewer → Clinical reviewer. */
export function roleLabel(r: Role): string {
  const s = r.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The roles the server's policy names (an operator's policy may add roles). */
function usePolicyRoles(): Role[] {
  const [roles, setRoles] = useState<Role[]>([]);
  useEffect(() => {
    let cancel = false;
    api
      .get<{ items: Role[] }>('/roles')
      .then((r) => {
        if (!cancel) setRoles(r.items ?? []);
      })
      .catch(() => {});
    return () => {
      cancel = true;
    };
  }, []);
  return roles;
}

export function UsersScreen() {
  const { items: users, error, setError, reload: load } = useList<User>('/users');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const verify = async (u: User) => {
    setError('');
    try {
      const nu = await api.post<User>(`/users/${u.id}/license/verify`);
      setNotice(`License of ${nu.name} verified.`);
      void load();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const warnings = (users ?? [])
    .filter((u) => u.license)
    .map((u) => ({ u, s: licenseStatus(u.license) }))
    .filter(({ s }) => s.state === 'expired' || s.state === 'expiring');
  return (
    <div className="page">
      <div className="page-head">
        <h1>Users and roles</h1>
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
          New user
        </button>
      </div>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {warnings.length ? (
        <div className="alert alert-warn" role="status">
          <h2 className="h-small">License expiry warnings</h2>
          <ul>
            {warnings.map(({ u, s }) => (
              <li key={u.id}>
                {u.name} ({u.credentials || u.email}): {s.text}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!users ? <Spinner /> : null}
      {users ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">License</th>
                <th scope="col">Active</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <strong>{u.name}</strong>
                    {u.credentials ? `, ${u.credentials}` : ''}
                    {u.title ? <div className="small">{u.title}</div> : null}
                    <div className="small muted">{u.email}</div>
                  </td>
                  <td>{u.roles.map(roleLabel).join(', ')}</td>
                  <td>
                    {u.license ? (
                      <>
                        <LicenseBadge license={u.license} />
                        <div className="small">
                          {u.license.type} {u.license.number} ({u.license.jurisdiction})
                          {u.license.verifiedAt ? (
                            <>
                              {' '}
                              · verified <Time value={u.license.verifiedAt} />
                            </>
                          ) : null}
                        </div>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{u.active === false ? 'No' : 'Yes'}</td>
                  <td className="nowrap">
                    <button type="button" className="btn-small" onClick={() => setEditing(u)} aria-label={`Edit ${u.name}`}>
                      Edit
                    </button>{' '}
                    {u.license ? (
                      <button type="button" className="btn-small" onClick={() => verify(u)} aria-label={`${u.license.verifiedAt ? 'Re-verify' : 'Verify'} license of ${u.name}`}>
                        {u.license.verifiedAt ? 'Re-verify license' : 'Verify license'}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {editing ? (
        <UserDialog
          user={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(u) => {
            setEditing(null);
            setNotice(`Saved ${u.name}.`);
            void load();
          }}
        />
      ) : null}
    </div>
  );
}

function UserDialog({ user, onClose, onSaved }: { user: User | null; onClose: () => void; onSaved: (u: User) => void }) {
  const [email, setEmail] = useState(user?.email ?? '');
  const [name, setName] = useState(user?.name ?? '');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(user?.roles ?? ['writer']);
  const policyRoles = usePolicyRoles();
  // A role the user holds stays listed even if the policy no longer names it.
  const choices = [...policyRoles, ...roles.filter((r) => !policyRoles.includes(r))];
  const [bio, setBio] = useState(user?.bio ?? '');
  const [credentials, setCredentials] = useState(user?.credentials ?? '');
  const [profile, setProfile] = useState(profileOf(user));
  const [active, setActive] = useState(user?.active !== false);
  const [hasLicense, setHasLicense] = useState(!!user?.license);
  const [lic, setLic] = useState<License>(user?.license ?? { type: '', number: '', jurisdiction: '', expiresOn: '' });
  const [error, setError] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setFields({});
    const license = hasLicense ? { type: lic.type, number: lic.number, jurisdiction: lic.jurisdiction, expiresOn: lic.expiresOn } : null;
    try {
      let u: User;
      if (user) {
        // PATCH only what changed (re-sending an unchanged license must not touch its verification).
        const body = userPatchBody(user, { name, password, roles, bio, credentials, active, hasLicense, license: lic, profile });
        u = Object.keys(body).length ? await api.patch<User>(`/users/${user.id}`, body) : user;
      } else {
        const body: Record<string, unknown> = { email, name, password, roles };
        if (bio) body.bio = bio;
        if (credentials) body.credentials = credentials;
        if (license) body.license = license;
        for (const [k, v] of Object.entries(profile)) if (v) body[k] = v;
        u = await api.post<User>('/users', body);
      }
      onSaved(u);
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fields);
    }
  };
  const fe = (p: string) => (fields[p] ? <p className="field-error" id={`u-${p.replace(/\W/g, '-')}-err`}>{fields[p]}</p> : null);
  return (
    <Dialog title={user ? `Edit ${user.name}` : 'New user'} onClose={onClose} className="dialog-wide">
      <form onSubmit={submit}>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <div className="row2">
          <div className="field">
            <label htmlFor="u-email">Email</label>
            <input id="u-email" type="email" required value={email} disabled={!!user} onChange={(e) => setEmail(e.target.value)} data-autofocus={!user || undefined} />
            {fe('email')}
          </div>
          <div className="field">
            <label htmlFor="u-name">Name</label>
            <input id="u-name" required value={name} onChange={(e) => setName(e.target.value)} data-autofocus={!!user || undefined} />
            {fe('name')}
          </div>
        </div>
        <div className="field">
          <label htmlFor="u-password">{user ? 'New password (leave empty to keep)' : 'Password'}</label>
          <input id="u-password" type="password" autoComplete="new-password" required={!user} value={password} onChange={(e) => setPassword(e.target.value)} />
          {fe('password')}
        </div>
        <fieldset className="group">
          <legend>Roles</legend>
          {choices.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
              />{' '}
              {roleLabel(r)}
            </label>
          ))}
          {fe('roles')}
        </fieldset>
        {user ? (
          <label className="check">
            <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> Active (may sign in)
          </label>
        ) : null}
        <div className="field">
          <label htmlFor="u-bio">Author bio</label>
          <textarea id="u-bio" rows={2} value={bio} onChange={(e) => setBio(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="u-cred">Credentials (as shown, e.g. “MA, LPC”)</label>
          <input id="u-cred" value={credentials} onChange={(e) => setCredentials(e.target.value)} />
        </div>
        <ProfileFields value={profile} onChange={setProfile} fields={fields} idPrefix="u-prof" />
        <fieldset className="group">
          <legend>Clinician license</legend>
          <label className="check">
            <input type="checkbox" checked={hasLicense} onChange={(e) => setHasLicense(e.target.checked)} /> Has a license on file
          </label>
          {hasLicense ? (
            <>
              <p className="hint">Changing license details clears its verification; verify it again afterwards.</p>
              <div className="row2">
                <div className="field">
                  <label htmlFor="u-lic-type">License type</label>
                  <input id="u-lic-type" value={lic.type} onChange={(e) => setLic({ ...lic, type: e.target.value })} />
                  {fe('license.type')}
                </div>
                <div className="field">
                  <label htmlFor="u-lic-number">License number</label>
                  <input id="u-lic-number" value={lic.number} onChange={(e) => setLic({ ...lic, number: e.target.value })} />
                  {fe('license.number')}
                </div>
                <div className="field">
                  <label htmlFor="u-lic-jur">Jurisdiction</label>
                  <input id="u-lic-jur" value={lic.jurisdiction} onChange={(e) => setLic({ ...lic, jurisdiction: e.target.value })} />
                  {fe('license.jurisdiction')}
                </div>
                <div className="field">
                  <label htmlFor="u-lic-exp">Expires on</label>
                  <input id="u-lic-exp" type="date" value={lic.expiresOn?.slice(0, 10) ?? ''} onChange={(e) => setLic({ ...lic, expiresOn: e.target.value })} />
                  {fe('license.expiresOn')}
                </div>
              </div>
            </>
          ) : null}
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary">
            {user ? 'Save' : 'Create user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
