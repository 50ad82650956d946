import { useCallback, useEffect, useState } from 'react';
import type { UnitView } from '../../../../electron/shared/services';
import { useApi, useConnectionState } from '../../api/api-context';

export interface UnitsState {
  /** null until the first answer. */
  units: UnitView[] | null;
  /** Why the last list failed, if it did. */
  error: string | null;
  /** When the list (or an event) last brought news. */
  at: number | null;
  /** Puts a unit's new view in place (or appends a new unit). */
  upsert(view: UnitView): void;
  /** Forgets a removed unit. */
  drop(name: string): void;
  refresh(): void;
}

/** Replaces the unit of the same name, or appends it: the list keeps the core's order. */
export function upsertUnit(units: readonly UnitView[], view: UnitView): UnitView[] {
  const index = units.findIndex((u) => u.name === view.name);
  if (index === -1) return [...units, view];
  const next = units.slice();
  next[index] = view;
  return next;
}

/**
 * Every unit, live: `services.list` on every (re)connect — events sent while the page was cut off
 * are lost, so the list is the truth after a gap — then each `services.changed` in place and each `services.removed` dropped.
 */
export function useUnits(): UnitsState {
  const api = useApi();
  const connection = useConnectionState();
  const [units, setUnits] = useState<UnitView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState<number | null>(null);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const subscriptions = [
      api.on('services.changed', (view) => {
        setUnits((current) => upsertUnit(current ?? [], view));
        setAt(Date.now());
      }),
      api.on('services.removed', ({ name }) => {
        setUnits((current) => (current ?? []).filter((u) => u.name !== name));
        setAt(Date.now());
      }),
    ];
    return () => subscriptions.forEach((subscription) => void subscription.dispose());
  }, [api]);

  useEffect(() => {
    if (connection.status !== 'connected') return;
    let isCurrent = true;
    api.call('services.list', {}).then(
      (list) => {
        if (!isCurrent) return;
        setUnits(list);
        setError(null);
        setAt(Date.now());
      },
      (failure: unknown) => isCurrent && setError((failure as Error).message),
    );
    return () => {
      isCurrent = false;
    };
  }, [api, connection.status, nonce]);

  const upsert = useCallback((view: UnitView) => setUnits((current) => upsertUnit(current ?? [], view)), []);
  const drop = useCallback((name: string) => setUnits((current) => (current ?? []).filter((u) => u.name !== name)), []);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { units, error, at, upsert, drop, refresh };
}
