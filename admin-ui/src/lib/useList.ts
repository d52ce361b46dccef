import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from './api';
import type { ListResponse } from './types';

/** Loads `{items}` from a management API path; `reload` fetches again. */
export function useList<T>(path: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(
    () =>
      api
        .get<ListResponse<T>>(path)
        .then((r) => setItems(r.items ?? []))
        .catch((e) => setError(errorMessage(e))),
    [path],
  );
  useEffect(() => {
    void reload();
  }, [reload]);
  return { items, error, setError, reload };
}
