import { describe, expect, it } from 'vitest';
import type { UnitView } from '../../../../../electron/shared/services';
import { upsertUnit } from '../../../../../renderer/src/features/services/use-units';

const unit = (name: string, state: UnitView['state']) => ({ name, state }) as UnitView;

describe('upsertUnit', () => {
  it('replaces a unit in place and appends a new one', () => {
    const list = [unit('a', 'stopped'), unit('b', 'stopped')];
    expect(upsertUnit(list, unit('a', 'running')).map((u) => `${u.name}:${u.state}`)).toEqual(['a:running', 'b:stopped']);
    expect(upsertUnit(list, unit('c', 'starting')).map((u) => u.name)).toEqual(['a', 'b', 'c']);
    expect(list[0]!.state).toBe('stopped');
  });
});
