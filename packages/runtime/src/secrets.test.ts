import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LoggerRegistry } from './logging.js';
import { HIDDEN, isPlaceholderOnly, isSecretKey, maskConfig, SecretValues } from './secrets.js';

describe('isSecretKey', () => {
  it('knows the well-known secret keys and what a plugin declares as PASSWORD', () => {
    for (const k of [
      'database.password',
      'connection.password',
      'password',
      'ssl.keystore.password',
      'ssl.key.password',
      'producer.override.ssl.truststore.password',
      'aws.secret.access.key',
      'client.secret',
      'sasl.jaas.config',
      'consumer.override.sasl.jaas.config',
      'value.converter.basic.auth.user.info',
      'value.converter.bearer.auth.token',
      'value.converter.schema.registry.ssl.keystore.key',
      'listeners.https.ssl.keystore.key',
    ])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['database.user', 'aws.access.key.id', 'topics', 'password.file.path', 'connection.url'])
      expect(isSecretKey(k), k).toBe(false);
    expect(isSecretKey('api.token', new Set(['api.token']))).toBe(true);
  });
});

describe('maskConfig', () => {
  it('hides secret values, keeps placeholders and empty values as they are', () => {
    expect(
      maskConfig({
        'database.password': 'pw1',
        'connection.password': `\${file:/run/secrets/db.properties:password}`,
        'ssl.key.password': '',
        'database.user': 'me',
      }),
    ).toEqual({
      'database.password': HIDDEN,
      'connection.password': `\${file:/run/secrets/db.properties:password}`,
      'ssl.key.password': '',
      'database.user': 'me',
    });
    expect(isPlaceholderOnly(`\${file:/a:b}\${env:X}`)).toBe(true);
    expect(isPlaceholderOnly(`prefix-\${file:/a:b}`)).toBe(false);
  });
});

describe('SecretValues', () => {
  it('scrubs known values (also JSON-escaped) and leaves short ones alone', () => {
    const s = new SecretValues();
    s.addConfig({ 'database.password': 'p"w.d*1', 'aws.secret.access.key': 'abc', 'database.user': 'someone' });
    expect(s.scrub('login failed for someone with p"w.d*1')).toBe(`login failed for someone with ${HIDDEN}`);
    expect(s.scrub(JSON.stringify({ msg: 'x p"w.d*1 y' }))).toBe(JSON.stringify({ msg: `x ${HIDDEN} y` }));
    expect(s.scrub('abc')).toBe('abc');
  });

  it('is applied to every line the loggers write', async () => {
    const lines: string[] = [];
    const secrets = new SecretValues();
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const reg = new LoggerRegistry(undefined, secrets, sink);
    secrets.add('hunter22');
    reg.get('x', { connector: 'c' }).error({ err: 'FATAL: password authentication failed: hunter22' }, 'boom hunter22');
    expect(lines.join('')).not.toContain('hunter22');
    expect(lines.join('')).toContain(HIDDEN);
  });
});
