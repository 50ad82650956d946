import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestRow } from '../../../../electron/shared/gateway/requests';
import { useApi, useConnectionState } from '../../api/api-context';
import { PAGE_SIZE, type RequestFilters, type RowPages, appendOlder, listInput, rangeMinutes, refreshFirstPage } from './request-format';

export interface RequestLogState {
  rows: RequestRow[];
  hasMore: boolean;
  /** When the first page last came back; null before the first answer. */
  at: number | null;
  error: string | null;
  isLoadingOlder: boolean;
  loadOlder(): void;
  refresh(): void;
}

/**
 * The request log for the filters: the first page on every (re)connect, filter change, manual
 * refresh and every `refreshMs` (when given); older pages on demand with `beforeId`. A failed
 * refresh shows its error and keeps no stale promise: answers to an older filter are dropped.
 */
export function useRequestLog(filters: RequestFilters, refreshMs: number | undefined): RequestLogState {
  const api = useApi();
  const connection = useConnectionState();
  const key = JSON.stringify(filters);
  const [pages, setPages] = useState<RowPages & { key: string }>({ rows: [], hasMore: false, key });
  const [at, setAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isLoadingOlder, setIsLoadingOlder] = useState(false);
  const [nonce, setNonce] = useState(0);
  // The filters whose answers are still wanted (an answer for an older key is dropped).
  const currentKey = useRef(key);

  // A new filter starts from an empty list (react.dev: "adjusting some state when a prop changes").
  if (pages.key !== key) {
    setPages({ rows: [], hasMore: false, key });
    setAt(null);
    setError(null);
  }

  useEffect(() => {
    currentKey.current = key;
    if (connection.status !== 'connected') return;
    let isCurrent = true;
    const parsed = JSON.parse(key) as RequestFilters;
    const run = () => {
      const now = Date.now();
      const input = listInput(parsed, now, undefined, PAGE_SIZE);
      api.call('requests.list', input).then(
        (head) => {
          if (!isCurrent) return;
          setPages((current) => ({ ...refreshFirstPage(current, head, now - rangeMinutes(parsed.range) * 60_000, PAGE_SIZE), key }));
          setAt(Date.now());
          setError(null);
        },
        (failure: unknown) => isCurrent && setError((failure as Error).message),
      );
    };
    run();
    const timer = refreshMs ? window.setInterval(run, refreshMs) : undefined;
    return () => {
      isCurrent = false;
      window.clearInterval(timer);
    };
  }, [api, key, refreshMs, connection.status, nonce]);

  const loadOlder = useCallback(() => {
    const last = pages.rows[pages.rows.length - 1];
    if (!last) return;
    const askedKey = pages.key;
    const input = listInput(JSON.parse(askedKey) as RequestFilters, Date.now(), last.id, PAGE_SIZE);
    setIsLoadingOlder(true);
    api.call('requests.list', input).then(
      (page) => {
        if (currentKey.current === askedKey) setPages((current) => (current.key === askedKey ? { ...appendOlder(current, page, PAGE_SIZE), key: askedKey } : current));
        setIsLoadingOlder(false);
      },
      (failure: unknown) => {
        if (currentKey.current === askedKey) setError((failure as Error).message);
        setIsLoadingOlder(false);
      },
    );
  }, [api, pages]);

  return { rows: pages.rows, hasMore: pages.hasMore, at, error, isLoadingOlder, loadOlder, refresh: () => setNonce((n) => n + 1) };
}
