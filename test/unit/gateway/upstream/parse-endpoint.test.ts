import { describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../../../electron/gateway/upstream/openai-compatible';
import { UpstreamError } from '../../../../electron/gateway/upstream/types';

describe('parseEndpoint', () => {
  it('splits an endpoint into origin and base path, without userinfo or trailing slashes', () => {
    expect(parseEndpoint('http://user:secret@10.0.0.5:8000/v1//', 'local')).toEqual({ origin: 'http://10.0.0.5:8000', basePath: '/v1' });
    expect(parseEndpoint('https://models.example.internal', 'remote')).toEqual({ origin: 'https://models.example.internal', basePath: '' });
  });

  it('answers the same endpoint from its cache, and the cached value cannot be changed by a caller', () => {
    const first = parseEndpoint('http://127.0.0.1:8001/v1', 'a');
    const second = parseEndpoint('http://127.0.0.1:8001/v1', 'b');
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('refuses a missing, malformed or non-http endpoint every time (a refusal is not cached), naming the deployment', () => {
    for (let i = 0; i < 2; i += 1) {
      expect(() => parseEndpoint(null, 'nokey')).toThrow(/nokey has no endpoint registered/);
      expect(() => parseEndpoint('not a url', 'broken')).toThrow(/endpoint of broken is not a valid URL/);
      expect(() => parseEndpoint('ftp://10.0.0.5/v1', 'ftp')).toThrow(/endpoint of ftp is not an http\(s\) URL/);
    }
    expect(() => parseEndpoint('', 'empty')).toThrow(UpstreamError);
  });
});
