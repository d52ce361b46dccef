import type { AuditEvent } from './types';

function newestRev(events: AuditEvent[], action: string, before: number): number | null {
  let best: AuditEvent | null = null;
  for (const e of events) if (e.action === action && typeof e.rev === 'number' && e.rev < before && (!best || e.seq > best.seq)) best = e;
  return best ? (best.rev as number) : null;
}

/**
 * The revision a re-review compares against: the one changes were last
 * requested on, else the last one submitted before the current revision (the
 * server's default for a diff without `from`, mirrored here to pick the
 * History screen's default and to check an older server's answer).
 */
export function sinceRequestedRev(events: AuditEvent[], currentRev: number): number | null {
  return newestRev(events, 'request_changes', currentRev + 1) ?? newestRev(events, 'submit', currentRev);
}
