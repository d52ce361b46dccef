import type { Permissions, User } from './types';

/** The default policy's article rights per role (policies/policy.csv), for unit tests. */
export const DEFAULT_PERMISSIONS: Record<string, Permissions> = {
  writer: { routes: [], ownArticles: ['create', 'edit', 'submit', 'withdraw', 'comment'], otherArticles: [] },
  clinical_reviewer: { routes: [], ownArticles: ['request_changes', 'approve', 'recertify', 'comment'], otherArticles: ['request_changes', 'approve', 'recertify', 'comment'] },
  editor: {
    routes: [],
    ownArticles: ['create', 'edit', 'submit', 'withdraw', 'publish', 'unschedule', 'unpublish', 'archive', 'comment'],
    otherArticles: ['edit', 'submit', 'withdraw', 'publish', 'unschedule', 'unpublish', 'archive', 'comment'],
  },
  admin: { routes: ['GET /api/admin/users'], ownArticles: [], otherArticles: [] },
};

/** A signed-in user holding the role's default rights. */
export function who(role: string, id = 'u_me'): Pick<User, 'id' | 'permissions'> {
  return { id, permissions: DEFAULT_PERMISSIONS[role] };
}
