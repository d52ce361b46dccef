import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api';
import type { User } from '../lib/types';
import { useSession } from '../session';
import { profileOf, profilePatch } from '../lib/userPatch';
import { ProfileFields } from '../components/ProfileFields';
import { Alert, Spinner } from '../components/ui';

/** A user's own profile: name, bio, credentials and the public profile fields. */
export function ProfileScreen() {
  const { user: me, refresh } = useSession();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [name, setName] = useState('');
  const [bio, setBio] = useState('');
  const [credentials, setCredentials] = useState('');
  const [profile, setProfile] = useState(profileOf(null));
  const [busy, setBusy] = useState(false);
  const fill = (u: User) => {
    setUser(u);
    setName(u.name);
    setBio(u.bio ?? '');
    setCredentials(u.credentials ?? '');
    setProfile(profileOf(u));
  };
  useEffect(() => {
    api.get<User>(`/users/${me.id}`).then(fill, (e) => setError(errorMessage(e)));
  }, [me.id]);
  if (!user) return <div className="page">{error ? <Alert kind="error">{error}</Alert> : <Spinner />}</div>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setNotice('');
    setFields({});
    const body: Record<string, unknown> = { ...profilePatch(user, profile) };
    if (name !== user.name) body.name = name;
    if (bio !== (user.bio ?? '')) body.bio = bio;
    if (credentials !== (user.credentials ?? '')) body.credentials = credentials;
    if (!Object.keys(body).length) {
      setNotice('Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      fill(await api.patch<User>(`/users/${user.id}`, body));
      setNotice('Your profile is saved.');
      void refresh();
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fields);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page narrow-page">
      <div className="page-head">
        <h1>Your profile</h1>
      </div>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      <form className="card" onSubmit={submit}>
        <p className="muted small">{user.email}</p>
        <div className="field">
          <label htmlFor="p-name">Name</label>
          <input id="p-name" required value={name} onChange={(e) => setName(e.target.value)} />
          {fields.name ? <p className="field-error">{fields.name}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="p-cred">Credentials (as shown, e.g. “MA, LPC”)</label>
          <input id="p-cred" value={credentials} onChange={(e) => setCredentials(e.target.value)} />
          {fields.credentials ? <p className="field-error">{fields.credentials}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="p-bio">Bio</label>
          <textarea id="p-bio" rows={4} value={bio} onChange={(e) => setBio(e.target.value)} />
          {fields.bio ? <p className="field-error">{fields.bio}</p> : null}
        </div>
        <ProfileFields value={profile} onChange={setProfile} fields={fields} idPrefix="p" />
        <div className="dialog-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Save profile
          </button>
        </div>
      </form>
    </div>
  );
}
