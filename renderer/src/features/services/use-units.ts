import { useCallback, useEffect, useRef, useState } from 'react';
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

/**
 * Replaces the unit of the same name, or appends it: the list keeps the core's order. A view older
 * than the one held (a lower revision: a call's answer overtaken by an event) changes nothing.
 */
export function upsertUnit(units: readonly UnitView[], view: UnitView): UnitView[] {
  const index = units.findIndex((u) => u.name === view.name);
  if (index === -1) return [...units, view];
  if (units[index]!.revision > view.revision) return units as UnitView[];
  const next = units.slice();
  next[index] = view;
  return next;
}

/** Drops a removed unit, unless what is held is newer than the removal (added again since). */
export function removeUnit(units: readonly UnitView[], removal: { name: string; revision: number }): UnitView[] {
  return units.filter((u) => u.name !== removal.name || u.revision > removal.revision);
}

/** What the page heard while a list call was on its way. */
export type UnitNews = { kind: 'changed'; view: UnitView } | { kind: 'removed'; name: string; revision: number };

/**
 * A list answer, then the news heard while it was on its way, each kept only when newer than what
 * the list says: the list is the truth after a gap, but not about what happened since it was made.
 */
export function applyList(list: readonly UnitView[], news: readonly UnitNews[]): UnitView[] {
  let units = list.slice();
  // The channel is ordered: a unit changed then removed before the list was made comes with its
  // removal, which is applied after it.
  for (const item of news) units = item.kind === 'changed' ? upsertUnit(units, item.view) : removeUnit(units, item);
  return units;
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
  /** News heard while a list call is on its way, applied again over its answer. */
  const heardDuringList = useRef<UnitNews[] | null>(null);

  useEffect(() => {
    const subscriptions = [
      api.on('services.changed', (view) => {
        heardDuringList.current?.push({ kind: 'changed', view });
        setUnits((current) => upsertUnit(current ?? [], view));
        setAt(Date.now());
      }),
      api.on('services.removed', (removal) => {
        heardDuringList.current?.push({ kind: 'removed', ...removal });
        setUnits((current) => removeUnit(current ?? [], removal));
        setAt(Date.now());
      }),
    ];
    return () => subscriptions.forEach((subscription) => void subscription.dispose());
  }, [api]);

  useEffect(() => {
    if (connection.status !== 'connected') return;
    let isCurrent = true;
    const heard: UnitNews[] = [];
    heardDuringList.current = heard;
    api.call('services.list', {}).then(
      (list) => {
        if (!isCurrent) return;
        if (heardDuringList.current === heard) heardDuringList.current = null;
        setUnits(applyList(list, heard));
        setError(null);
        setAt(Date.now());
      },
      (failure: unknown) => {
        if (heardDuringList.current === heard) heardDuringList.current = null;
        if (isCurrent) setError((failure as Error).message);
      },
    );
    return () => {
      isCurrent = false;
      if (heardDuringList.current === heard) heardDuringList.current = null;
    };
  }, [api, connection.status, nonce]);

  const upsert = useCallback((view: UnitView) => setUnits((current) => upsertUnit(current ?? [], view)), []);
  const drop = useCallback((name: string) => setUnits((current) => (current ?? []).filter((u) => u.name !== name)), []);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { units, error, at, upsert, drop, refresh };
}
