import type { License } from './types';

export type LicenseState = 'none' | 'unverified' | 'expired' | 'expiring' | 'valid';

export interface LicenseStatus {
  state: LicenseState;
  text: string;
  daysLeft?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/** Days from `today` (a Date) to the end of `expiresOn` (YYYY-MM-DD, inclusive). */
export function daysUntil(expiresOn: string, today: Date): number {
  const [y, m, d] = expiresOn.slice(0, 10).split('-').map(Number);
  const end = Date.UTC(y, m - 1, d);
  const t = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((end - t) / DAY);
}

export function licenseStatus(license: License | null | undefined, today = new Date(), warnDays = 30): LicenseStatus {
  if (!license || !license.number) return { state: 'none', text: 'No license on file' };
  const left = license.expiresOn ? daysUntil(license.expiresOn, today) : NaN;
  if (!Number.isNaN(left) && left < 0) return { state: 'expired', text: `Expired on ${license.expiresOn}`, daysLeft: left };
  if (!license.verifiedAt) return { state: 'unverified', text: 'Not verified yet', daysLeft: left };
  if (!Number.isNaN(left) && left <= warnDays)
    return { state: 'expiring', text: left === 0 ? 'Expires today' : `Expires in ${left} day${left === 1 ? '' : 's'} (${license.expiresOn})`, daysLeft: left };
  return { state: 'valid', text: `Verified, valid until ${license.expiresOn}`, daysLeft: left };
}
