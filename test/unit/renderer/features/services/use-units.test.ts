import { describe, expect, it } from 'vitest';
import type { UnitView } from '../../../../../electron/shared/services';
import { applyList, removeUnit, upsertUnit } from '../../../../../renderer/src/features/services/use-units';

const unit = (name: string, state: UnitView['state'], revision = 1) => ({ name, state, revision }) as UnitView;
const show = (units: UnitView[]) => units.map((u) => `${u.name}:${u.state}`);

describe('upsertUnit', () => {
  it('replaces a unit in place and appends a new one', () => {
    const list = [unit('a', 'stopped'), unit('b', 'stopped')];
    expect(show(upsertUnit(list, unit('a', 'running', 2)))).toEqual(['a:running', 'b:stopped']);
    expect(upsertUnit(list, unit('c', 'starting')).map((u) => u.name)).toEqual(['a', 'b', 'c']);
    expect(list[0]!.state).toBe('stopped');
  });

  it('keeps the newer view when a call\'s answer arrives after an event it was overtaken by', () => {
    const afterEvent = upsertUnit([unit('a', 'starting', 5)], unit('a', 'running', 7));
    expect(show(upsertUnit(afterEvent, unit('a', 'starting', 6)))).toEqual(['a:running']);
    // The same revision is taken (output offsets move without a state change).
    expect(show(upsertUnit(afterEvent, unit('a', 'running', 7)))).toEqual(['a:running']);
  });
});

describe('removeUnit', () => {
  it('drops the unit, but not one added again after the removal', () => {
    expect(show(removeUnit([unit('a', 'running', 3), unit('b', 'stopped', 1)], { name: 'a', revision: 4 }))).toEqual(['b:stopped']);
    expect(show(removeUnit([unit('a', 'stopped', 9)], { name: 'a', revision: 4 }))).toEqual(['a:stopped']);
  });
});

describe('applyList', () => {
  it('takes the list, then what was heard while it was on its way when that is newer', () => {
    const list = [unit('a', 'starting', 10), unit('b', 'running', 8)];
    const units = applyList(list, [
      { kind: 'changed', view: unit('b', 'running', 8) }, // already in the list
      { kind: 'changed', view: unit('a', 'stopping', 9) }, // older than the list
      { kind: 'changed', view: unit('a', 'running', 11) }, // newer: wins
      { kind: 'changed', view: unit('c', 'stopped', 12) }, // added after the list was made
    ]);
    expect(show(units)).toEqual(['a:running', 'b:running', 'c:stopped']);
  });

  it('applies removals heard meanwhile, and a unit changed then removed before the list stays gone', () => {
    const list = [unit('a', 'running', 3)];
    expect(show(applyList(list, [{ kind: 'removed', name: 'a', revision: 4 }]))).toEqual([]);
    expect(show(applyList(list, [{ kind: 'changed', view: unit('gone', 'stopped', 1) }, { kind: 'removed', name: 'gone', revision: 2 }]))).toEqual(['a:running']);
    expect(show(applyList([], []))).toEqual([]);
  });
});
