import { describe, expect, it } from 'vitest';
import { parseResponseHeaders, restSecuritySettings } from './rest-config.js';
import { advertisedUrl } from './worker-config.js';

describe('parseResponseHeaders', () => {
  it("reads Jetty's HeaderFilter rules, quoted ones with commas too", () => {
    expect(
      parseResponseHeaders('set X-Frame-Options: DENY,"add Cache-Control: no-cache, no-store", addDate Expires:0'),
    ).toEqual([
      { action: 'set', name: 'X-Frame-Options', value: 'DENY' },
      { action: 'add', name: 'Cache-Control', value: 'no-cache, no-store' },
      { action: 'addDate', name: 'Expires', value: '0' },
    ]);
    expect(parseResponseHeaders('  ')).toEqual([]);
  });

  it("refuses what Kafka Connect's validator refuses", () => {
    expect(() => parseResponseHeaders('X-Frame-Options: DENY')).toThrow(
      /Invalid header config action: 'X-Frame-Options:'/,
    );
    expect(() => parseResponseHeaders('set X-A')).toThrow(/Invalid format of header name and header value pair/);
    expect(() => parseResponseHeaders('set')).toThrow(/Expected: '\[action\] \[header name\]:\[header value\]'/);
    expect(() => parseResponseHeaders('setDate Expires: soon')).toThrow(/milliseconds/);
  });
});

describe('restSecuritySettings', () => {
  const token = { 'tributary.console.token': 'a-token-of-20-chars!' };

  it('changes nothing when no key is set', () => {
    const s = restSecuritySettings({}, ['http://:8083'], { env: {} });
    expect(s).toMatchObject({
      tls: null,
      cors: null,
      basicAuth: null,
      bearerToken: null,
      csrfProtection: false,
      allowedHosts: null,
      responseHeaders: [],
      adminListeners: undefined,
      internalRequestMaxAgeMs: 60_000,
    });
  });

  it('with authentication on, checks content types and the Host of listeners that name one', () => {
    const named = restSecuritySettings(token, ['http://127.0.0.1:8083', 'http://connect.internal:8084'], {
      env: {},
      advertisedUrl: 'http://Worker-1.example:8083/',
    });
    expect(named.csrfProtection).toBe(true);
    expect(named.allowedHosts).toEqual(['127.0.0.1', 'connect.internal', 'worker-1.example', 'localhost', '::1']);
    expect(restSecuritySettings(token, ['http://:8083'], { env: {} }).allowedHosts).toBeNull();
    expect(
      restSecuritySettings({ ...token, 'tributary.rest.csrf.protection': 'false' }, ['http://:8083'], { env: {} })
        .csrfProtection,
    ).toBe(false);
  });

  it('names every bad key at once', () => {
    expect(() =>
      restSecuritySettings(
        {
          'tributary.console.token': 'short',
          'tributary.rest.csrf.protection': 'maybe',
          'tributary.internal.request.max.age.ms': 'soon',
          'response.http.headers.config': 'put X: y',
        },
        ['http://:8083'],
        { env: {} },
      ),
    ).toThrow(
      /response\.http\.headers\.config.*tributary\.console\.token.*tributary\.rest\.csrf\.protection.*tributary\.internal\.request\.max\.age\.ms/,
    );
  });
});

describe('advertisedUrl', () => {
  const cfg = (listeners: string[], extra: Partial<Parameters<typeof advertisedUrl>[0]> = {}) => ({
    listeners,
    'rest.advertised.host.name': null,
    'rest.advertised.port': null,
    'rest.advertised.listener': null,
    ...extra,
  });

  it("picks the protocol and listener as Kafka Connect's RestServer.advertisedUrl", () => {
    expect(advertisedUrl(cfg(['https://a:8443', 'http://b:8083']))).toBe('http://b:8083/');
    expect(advertisedUrl(cfg(['https://a:8443']))).toBe('https://a:8443/');
    expect(advertisedUrl(cfg(['http://b:8083', 'https://a:8443'], { 'rest.advertised.listener': 'https' }))).toBe(
      'https://a:8443/',
    );
    expect(
      advertisedUrl(cfg(['https://:8443'], { 'rest.advertised.host.name': 'w1', 'rest.advertised.port': 9443 })),
    ).toBe('https://w1:9443/');
    expect(advertisedUrl(cfg(['https://[::1]:8443']))).toBe('https://[::1]:8443/');
  });
});
