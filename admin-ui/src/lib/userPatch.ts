import type { License, Role, User } from './types';

/** The values of the user dialog's form. */
export interface UserFormValues {
  name: string;
  password: string;
  roles: Role[];
  bio: string;
  credentials: string;
  active: boolean;
  hasLicense: boolean;
  license: Pick<License, 'type' | 'number' | 'jurisdiction' | 'expiresOn'>;
  /** Profile fields (optional: absent means unchanged). */
  profile?: ProfileValues;
}

/** The public profile of an author or clinician (delivered; not signed content). */
export interface ProfileValues {
  title: string;
  photoUrl: string;
  photoAlt: string;
  url: string;
}

export const PROFILE_KEYS = ['title', 'photoUrl', 'photoAlt', 'url'] as const;

/** The profile fields of a user, empty where unset. */
export function profileOf(u: Partial<User> | null | undefined): ProfileValues {
  return { title: u?.title ?? '', photoUrl: u?.photoUrl ?? '', photoAlt: u?.photoAlt ?? '', url: u?.url ?? '' };
}

/** The changed profile fields only. */
export function profilePatch(user: Partial<User>, p: ProfileValues): Partial<ProfileValues> {
  const before = profileOf(user);
  const out: Partial<ProfileValues> = {};
  for (const k of PROFILE_KEYS) if (p[k] !== before[k]) out[k] = p[k];
  return out;
}

type LicenseBody = { type: string; number: string; jurisdiction: string; expiresOn: string };

function licenseBody(l: Pick<License, 'type' | 'number' | 'jurisdiction' | 'expiresOn'>): LicenseBody {
  // Licenses expire on a date; ignore any time part.
  return { type: l.type, number: l.number, jurisdiction: l.jurisdiction, expiresOn: (l.expiresOn ?? '').slice(0, 10) };
}

/**
 * The PATCH body for an existing user: only what changed. An unchanged license
 * is not re-sent (that must not touch its verification); a removed one is sent
 * as `clearLicense: true`, since the server reads `license: null` as "no change".
 */
export function userPatchBody(user: User, form: UserFormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (form.name !== user.name) body.name = form.name;
  if (JSON.stringify([...form.roles].sort()) !== JSON.stringify([...user.roles].sort())) body.roles = form.roles;
  if (form.bio !== (user.bio ?? '')) body.bio = form.bio;
  if (form.credentials !== (user.credentials ?? '')) body.credentials = form.credentials;
  if (form.active !== (user.active !== false)) body.active = form.active;
  if (form.password) body.password = form.password;
  if (form.profile) Object.assign(body, profilePatch(user, form.profile));
  if (form.hasLicense) {
    const next = licenseBody(form.license);
    if (!user.license || JSON.stringify(licenseBody(user.license)) !== JSON.stringify(next)) body.license = next;
  } else if (user.license) {
    body.clearLicense = true;
  }
  return body;
}
