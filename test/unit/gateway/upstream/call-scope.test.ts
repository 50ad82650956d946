/**
 * The pure helpers every adapter uses for safe errors: scrubbing secrets, picking an upstream's
 * message, the secrets of a call, seconds in messages, and the classification of network errors.
 */
import { describe, expect, it } from 'vitest';
import { classifyNetworkError, formatSeconds, redactSecrets, scrubSecrets, secretsOf, upstreamMessage } from '../../../../electron/gateway/upstream/call-scope';
import { EgressDeniedError } from '../../../../electron/gateway/upstream/egress';

describe('scrubSecrets / redactSecrets', () => {
  it('removes exact secrets, their URL-encoded forms and anything after Bearer or Basic', () => {
    const secrets = secretsOf('sk-canary/with+chars', null);
    expect(scrubSecrets('key sk-canary/with+chars and sk-canary%2Fwith%2Bchars', secrets)).toBe('key [redacted] and [redacted]');
    expect(scrubSecrets('Authorization: Bearer abc.def-ghi, next', [])).toBe('Authorization: Bearer [redacted], next');
    expect(scrubSecrets('"authorization":"bearer xyz"', [])).toBe('"authorization":"bearer [redacted]"');
    expect(scrubSecrets('Basic dXNlcjpwYXNz', [])).toBe('Basic [redacted]');
    expect(scrubSecrets('Bearer sk-canary/with+chars', secrets)).toBe('Bearer [redacted]');
  });

  it('folds control characters and caps the length (scrub), or keeps the text as it is (redact)', () => {
    expect(scrubSecrets('a\n\r\tb   c\u0000d', [])).toBe('a b c d');
    expect(scrubSecrets('x'.repeat(500), [], 300)).toHaveLength(300);
    expect(redactSecrets('{"a":\n "Bearer t0k3n"}', [])).toBe('{"a":\n "Bearer [redacted]"}');
  });
});

describe('secretsOf', () => {
  it('takes the key, the parts of an AWS key, and the endpoint\'s userinfo (raw and decoded)', () => {
    expect(secretsOf('AKIAIOSFODNN7EXAMPLE:secretsecret:tokentoken', 'http://admin:p%40ss@host/v1').sort()).toEqual(
      ['AKIAIOSFODNN7EXAMPLE:secretsecret:tokentoken', 'AKIAIOSFODNN7EXAMPLE', 'secretsecret', 'tokentoken', 'admin:p%40ss', 'admin', 'p%40ss', 'p@ss'].sort(),
    );
    expect(secretsOf(null, 'http://host/v1')).toEqual([]);
  });
});

describe('upstreamMessage', () => {
  it('picks OpenAI, vLLM, FastAPI and AWS shapes, else the text', () => {
    expect(upstreamMessage('{"error":{"message":"no such model","code":404}}', 'application/json', [])).toBe('no such model');
    expect(upstreamMessage('{"error":"Unauthorized"}', 'application/json', [])).toBe('Unauthorized');
    expect(upstreamMessage('{"detail":"Not Found"}', 'application/json', [])).toBe('Not Found');
    expect(upstreamMessage('{"detail":[{"loc":["body"],"msg":"field required"}]}', 'application/json', [])).toContain('field required');
    expect(upstreamMessage('{"Message":"User is not authorized"}', 'application/json', [])).toBe('User is not authorized');
    expect(upstreamMessage('<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html', [])).toBe('502 Bad Gateway');
    expect(upstreamMessage('', 'text/plain', [])).toBe('(no message)');
  });

  it('is scrubbed and capped at 300 characters', () => {
    const message = upstreamMessage(JSON.stringify({ error: { message: `bad key canary-123456 ${'x'.repeat(1000)}` } }), 'application/json', ['canary-123456']);
    expect(message).not.toContain('canary-123456');
    expect(message.length).toBeLessThanOrEqual(300);
  });
});

describe('classifyNetworkError', () => {
  const classify = (error: unknown, phase: 'request' | 'response' = 'request') => {
    const result = classifyNetworkError(error, phase, 'dep', []);
    return [result.kind, result.detail];
  };
  const coded = (code: string, message = `connect ${code} 10.0.0.1:443`) => Object.assign(new Error(message), { code });

  it('connect failures, TLS failures, and a connection that broke before or after the headers', () => {
    expect(classify(coded('ECONNREFUSED'))).toEqual(['connect', 'cannot connect to dep: connection refused']);
    expect(classify(coded('ENOTFOUND'))).toEqual(['connect', 'cannot connect to dep: host name not found']);
    expect(classify(coded('UND_ERR_CONNECT_TIMEOUT'))).toEqual(['connect', 'cannot connect to dep: connection timed out']);
    expect(classify(coded('DEPTH_ZERO_SELF_SIGNED_CERT'))).toEqual(['connect', 'cannot connect to dep: TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT)']);
    expect(classify(coded('ERR_TLS_CERT_ALTNAME_INVALID'))[0]).toBe('connect');
    expect(classify(coded('UND_ERR_SOCKET'))).toEqual(['connect', 'dep closed the connection before answering (UND_ERR_SOCKET)']);
    expect(classify(coded('UND_ERR_SOCKET'), 'response')).toEqual(['protocol', 'the connection to dep broke mid-answer (UND_ERR_SOCKET)']);
    expect(classify(coded('HPE_INVALID_CONSTANT'), 'response')[0]).toBe('protocol');
  });

  it('finds the code inside cause and AggregateError, never copies the message', () => {
    const aggregate = Object.assign(new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:8000')], 'x'), {});
    expect(classify(aggregate)).toEqual(['connect', 'cannot connect to dep: connection refused']);
    expect(classify(new TypeError('fetch failed http://user:pw@host', { cause: coded('ENOTFOUND') }))).toEqual(['connect', 'cannot connect to dep: host name not found']);
    expect(classify(new Error('secret-bearing message'))).toEqual(['connect', 'the call to dep failed (Error)']);
  });

  it('the gate\'s refusal is egress-denied with the origin', () => {
    expect(classify(new EgressDeniedError({ protocol: 'https:', hostname: '169.254.169.254', port: 443 }))).toEqual(['egress-denied', 'dep: https://169.254.169.254:443 is not on the egress allowlist']);
  });
});

describe('formatSeconds', () => {
  it('prints whole seconds and tenths', () => {
    expect([formatSeconds(60_000), formatSeconds(1500), formatSeconds(300), formatSeconds(250)]).toEqual(['60', '1.5', '0.3', '0.3']);
  });
});
