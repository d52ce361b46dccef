import { describe, expect, it } from 'vitest';
import type { User } from './types';
import { userPatchBody, type UserFormValues } from './userPatch';

const lic = { type: 'LPC', number: '12345', jurisdiction: 'TX', expiresOn: '2027-06-30', verifiedAt: '2026-01-02T03:04:05Z', verifiedBy: 'u-admin' };

const user: User = {
  id: 'u1',
  email: 'dana@example.org',
  name: 'Dana',
  roles: ['writer', 'clinical_reviewer'],
  bio: 'Bio',
  credentials: 'MA, LPC',
  active: true,
  license: lic,
};

function unchanged(u: User = user): UserFormValues {
  return {
    name: u.name,
    password: '',
    roles: [...u.roles],
    bio: u.bio ?? '',
    credentials: u.credentials ?? '',
    active: u.active !== false,
    hasLicense: !!u.license,
    license: u.license ?? { type: '', number: '', jurisdiction: '', expiresOn: '' },
  };
}

describe('userPatchBody', () => {
  it('sends nothing when nothing changed', () => {
    expect(userPatchBody(user, unchanged())).toEqual({});
    const noLicense = { ...user, license: null };
    expect(userPatchBody(noLicense, unchanged(noLicense))).toEqual({});
  });

  it('clears a removed license explicitly', () => {
    const body = userPatchBody(user, { ...unchanged(), hasLicense: false });
    expect(body).toEqual({ clearLicense: true });
    expect('license' in body).toBe(false);
  });

  it('sends a changed license (date only, without verification)', () => {
    const body = userPatchBody(user, { ...unchanged(), license: { ...lic, number: '99999' } });
    expect(body).toEqual({ license: { type: 'LPC', number: '99999', jurisdiction: 'TX', expiresOn: '2027-06-30' } });
  });

  it('sends a newly added license', () => {
    const noLicense = { ...user, license: null };
    const license = { type: 'LCSW', number: '1', jurisdiction: 'CA', expiresOn: '2028-01-01' };
    expect(userPatchBody(noLicense, { ...unchanged(noLicense), hasLicense: true, license })).toEqual({ license });
  });

  it('does not re-send a license that differs only in the time part of expiresOn', () => {
    const stored = { ...user, license: { ...lic, expiresOn: '2027-06-30T00:00:00Z' } };
    expect(userPatchBody(stored, { ...unchanged(stored), license: { ...lic, expiresOn: '2027-06-30' } })).toEqual({});
    expect(userPatchBody(stored, unchanged(stored))).toEqual({});
  });

  it('sends changed name, roles and active only', () => {
    expect(userPatchBody(user, { ...unchanged(), name: 'Dana K.' })).toEqual({ name: 'Dana K.' });
    expect(userPatchBody(user, { ...unchanged(), roles: ['clinical_reviewer', 'writer'] })).toEqual({});
    expect(userPatchBody(user, { ...unchanged(), roles: ['writer', 'editor'] })).toEqual({ roles: ['writer', 'editor'] });
    expect(userPatchBody(user, { ...unchanged(), active: false })).toEqual({ active: false });
    expect(userPatchBody({ ...user, active: undefined }, { ...unchanged(), active: true })).toEqual({});
  });

  it('sends a new password, bio and credentials when given', () => {
    expect(userPatchBody(user, { ...unchanged(), password: 'a-long-new-password', bio: '', credentials: 'PhD' })).toEqual({
      password: 'a-long-new-password',
      bio: '',
      credentials: 'PhD',
    });
  });
});

describe('profile fields in the user patch', () => {
  it('sends only the profile fields that changed', () => {
    const u: User = { ...user, title: 'Clinical reviewer', photoUrl: '/media/dana.jpg', photoAlt: 'Dana smiling', url: '' };
    const form = { ...unchanged(u), profile: { title: 'Clinical reviewer', photoUrl: '/media/dana.jpg', photoAlt: 'Dana at her desk', url: 'https://site.example/people/dana' } };
    expect(userPatchBody(u, form)).toEqual({ photoAlt: 'Dana at her desk', url: 'https://site.example/people/dana' });
  });
  it('sends nothing for an unchanged profile', () => {
    expect(userPatchBody(user, { ...unchanged(), profile: { title: '', photoUrl: '', photoAlt: '', url: '' } })).toEqual({});
  });
});
