import { useEffect, useState } from 'react';
import { api } from './api';
import type { Article, AuditEvent, ChangesRequested, ListResponse } from './types';

/**
 * The newest request for changes not yet answered by a resubmission, from
 * the article's audit events (for a server that does not send
 * `changesRequested` itself).
 */
export function changesRequestedFrom(events: AuditEvent[]): ChangesRequested | null {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  let out: ChangesRequested | null = null;
  for (const e of sorted) {
    if (e.action === 'request_changes') out = { comment: e.comment ?? '', actorId: e.actor, actorName: e.actorName, at: e.at, rev: e.rev };
    else if (e.action === 'submit') out = null;
  }
  return out;
}

/** The article's open change request: the server's `changesRequested`, else derived from its events. */
export function useChangesRequested(article: Article): ChangesRequested | null {
  const sent = article.changesRequested;
  const [derived, setDerived] = useState<ChangesRequested | null>(null);
  useEffect(() => {
    if (sent !== undefined || article.status !== 'draft') {
      setDerived(null);
      return;
    }
    let cancel = false;
    api
      .get<ListResponse<AuditEvent>>(`/articles/${article.id}/events`)
      .then((r) => !cancel && setDerived(changesRequestedFrom(r.items ?? [])))
      .catch(() => {});
    return () => {
      cancel = true;
    };
  }, [article.id, article.status, article.version, sent]);
  return sent !== undefined ? sent : derived;
}
