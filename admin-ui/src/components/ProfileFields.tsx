import type { ProfileValues } from '../lib/userPatch';
import { PolicyImage } from './ArticlePreview';

/** The public profile inputs (role label, photo with alt text, profile page), shared by the Users dialog and the Profile screen. */
export function ProfileFields({ value, onChange, fields, idPrefix }: { value: ProfileValues; onChange: (v: ProfileValues) => void; fields: Record<string, string>; idPrefix: string }) {
  const set = (k: keyof ProfileValues) => (e: { target: { value: string } }) => onChange({ ...value, [k]: e.target.value });
  const fe = (k: string) =>
    fields[k] ? (
      <p className="field-error" id={`${idPrefix}-${k}-err`}>
        {fields[k]}
      </p>
    ) : null;
  const inv = (k: string) => (fields[k] ? { 'aria-invalid': true as const, 'aria-describedby': `${idPrefix}-${k}-err` } : {});
  return (
    <fieldset className="group">
      <legend>Public profile</legend>
      <p className="hint">Shown to readers with the articles this person wrote or reviewed, and changed there without republishing. Signatures keep the name, credentials and license as signed.</p>
      <div className="row2">
        <div className="field">
          <label htmlFor={`${idPrefix}-title`}>Role label</label>
          <input id={`${idPrefix}-title`} placeholder="e.g. Clinical reviewer" value={value.title} onChange={set('title')} {...inv('title')} />
          {fe('title')}
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-url`}>Profile page URL</label>
          <input id={`${idPrefix}-url`} type="url" value={value.url} onChange={set('url')} {...inv('url')} />
          {fe('url')}
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-photo`}>Photo URL</label>
          <input id={`${idPrefix}-photo`} type="url" value={value.photoUrl} onChange={set('photoUrl')} {...inv('photoUrl')} />
          {fe('photoUrl')}
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-photo-alt`}>Photo alt text{value.photoUrl ? ' (required)' : ''}</label>
          <input id={`${idPrefix}-photo-alt`} value={value.photoAlt} required={!!value.photoUrl} onChange={set('photoAlt')} {...inv('photoAlt')} />
          {fe('photoAlt')}
        </div>
      </div>
      {value.photoUrl ? (
        <p className="profile-photo">
          <PolicyImage className="avatar" src={value.photoUrl} alt={value.photoAlt} />
        </p>
      ) : null}
    </fieldset>
  );
}
