import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../../../electron/shared/rpc-client';
import { describeCallError } from '../../../../../renderer/src/features/models/call-error';

describe('describeCallError', () => {
  it("keeps DEPLOYMENT_INVALID's per-field messages as the core wrote them", () => {
    const error = new RemoteError({
      code: 'DEPLOYMENT_INVALID',
      message: 'The deployment is not valid: name: Deployment name is required.. Nothing was changed.',
      data: { issues: ['name: Deployment name is required.'], fields: { name: 'Deployment name is required.', bogus: 42 } },
    });
    expect(describeCallError(error)).toEqual({
      code: 'DEPLOYMENT_INVALID',
      message: 'The deployment is not valid: name: Deployment name is required.. Nothing was changed.',
      fields: { name: 'Deployment name is required.' },
    });
  });

  it('shows a license refusal with its message and no field', () => {
    const error = new RemoteError({ code: 'LICENSE_REQUIRED', message: 'Refused (register-model): the evaluation ended.', data: { action: 'register-model', state: 'expired', reason: 'x' } });
    expect(describeCallError(error)).toEqual({ code: 'LICENSE_REQUIRED', message: 'Refused (register-model): the evaluation ended.', fields: {} });
  });

  it('reads any other error by its message', () => {
    expect(describeCallError(new Error('socket closed'))).toEqual({ code: null, message: 'socket closed', fields: {} });
    expect(describeCallError('odd')).toEqual({ code: null, message: 'odd', fields: {} });
  });
});
