import { useEffect, useState } from 'react';
import { api } from './api';
import type { ListResponse, Signature, User } from './types';

/** A person as the admin UI names them in attributions. */
export interface PersonRef {
  id: string;
  name: string;
  credentials?: string;
  title?: string;
}

/** "<name>, <credentials>, <title>", e.g. "Casey Rivera, MA, LPC, Clinical reviewer". */
export function personLabel(p: PersonRef): string {
  return [p.name, p.credentials, p.title].filter((x) => x && x.trim()).join(', ');
}

/**
 * The clinical reviewers the UI can name: the users list where the session
 * may read it (admins), else what the article's signatures and the session
 * itself tell. Deduplicated by id, first source wins.
 */
export function clinicianChoices(users: User[] | null, signatures: (Signature | null | undefined)[], me: User, listed?: PersonRef[] | null): PersonRef[] {
  const out: PersonRef[] = [];
  const add = (p: PersonRef) => p.id && !out.some((x) => x.id === p.id) && out.push(p);
  // GET /clinicians: the active users the policy lets approve others' articles, readable by every member.
  for (const p of listed ?? []) add(p);
  for (const u of users ?? []) if (u.roles.includes('clinical_reviewer') && u.active !== false) add({ id: u.id, name: u.name, credentials: u.credentials, title: u.title });
  if (me.roles.includes('clinical_reviewer')) add({ id: me.id, name: me.name, credentials: me.credentials, title: me.title });
  for (const s of signatures) if (s?.signerId) add({ id: s.signerId, name: s.signerName, credentials: s.credentials });
  return out;
}

/** The clinicians who may sign others' articles (GET /clinicians), or null where the server does not offer it. */
export function useClinicians(): PersonRef[] | null {
  const [list, setList] = useState<PersonRef[] | null>(null);
  useEffect(() => {
    let cancel = false;
    api
      .get<ListResponse<PersonRef>>('/clinicians')
      .then((r) => !cancel && setList(r.items ?? []))
      .catch(() => !cancel && setList(null));
    return () => {
      cancel = true;
    };
  }, []);
  return list;
}

/** The users list, or null when this session may not read it (it is admin-only). */
export function useUsers(mayList: boolean): User[] | null {
  const [users, setUsers] = useState<User[] | null>(null);
  useEffect(() => {
    if (!mayList) return;
    let cancel = false;
    api
      .get<ListResponse<User>>('/users')
      .then((r) => !cancel && setUsers(r.items ?? []))
      .catch(() => !cancel && setUsers(null));
    return () => {
      cancel = true;
    };
  }, [mayList]);
  return users;
}
