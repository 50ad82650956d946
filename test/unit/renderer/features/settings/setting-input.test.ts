import { describe, expect, it } from 'vitest';
import { fromInputText, settingKind, toInputText } from '../../../../../renderer/src/features/settings/setting-input';

describe('setting inputs', () => {
  it('picks the editor from the default value', () => {
    expect(settingKind(false)).toBe('boolean');
    expect(settingKind(2000)).toBe('number');
    expect(settingKind([])).toBe('list');
    expect(settingKind('')).toBe('text');
  });

  it('turns typed text into the value, refusing what cannot be one', () => {
    expect(fromInputText('number', ' 5000 ')).toEqual({ value: 5000 });
    expect(fromInputText('number', '12a')).toEqual({ error: '"12a" is not a number.' });
    expect(fromInputText('list', '10.0.0.0/8\n\n 192.168.0.0/16 \n')).toEqual({ value: ['10.0.0.0/8', '192.168.0.0/16'] });
    expect(fromInputText('text', ' /usr/bin/vllm ')).toEqual({ value: '/usr/bin/vllm' });
    expect(toInputText(['a', 'b'])).toBe('a\nb');
    expect(toInputText(5052)).toBe('5052');
  });
});
