import { describe, expect, it } from 'vitest';
import { describeAction, describeVerification, formatAuditValue } from '../../../../../renderer/src/features/models/audit-format';

describe('audit-format', () => {
  it('formats old and new values', () => {
    expect(formatAuditValue(null)).toBe('—');
    expect(formatAuditValue('')).toBe('—');
    expect(formatAuditValue('…7391')).toBe('…7391');
    expect(formatAuditValue(true)).toBe('true');
    expect(formatAuditValue({ a: 1 })).toBe('{"a":1}');
  });

  it('names the actions and passes unknown ones through', () => {
    expect(describeAction('deployment.update')).toBe('Deployment changed');
    expect(describeAction('config.import')).toBe('config.import');
  });

  it('says whether the chain holds, and where it breaks', () => {
    expect(describeVerification({ isIntact: true, count: 1 })).toBe('Intact, 1 entry');
    expect(describeVerification({ isIntact: true, count: 0 })).toBe('Intact, 0 entries');
    expect(describeVerification({ isIntact: false, brokenAtId: 7, reason: 'its content does not match its hash (it was edited)' })).toBe(
      'Broken at entry #7: its content does not match its hash (it was edited)',
    );
  });
});
