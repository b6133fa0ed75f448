import { ConfigException } from '@tributary/api';
import { describe, expect, it } from 'vitest';
import { parseJdbcSinkConfig, TOPIC_PLACEHOLDER } from './config.js';
import { parseJdbcUrl, redact, wantsSsl } from './url.js';

const SEED = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  'connection.url': 'jdbc:postgresql://localhost:5432/analytics',
  'connection.user': 'postgres',
  'connection.password': 'password',
  topics: 'user-events',
  'auto.create': 'true',
  'insert.mode': 'upsert',
  'pk.mode': 'record_key',
};

function errorsOf(props: Record<string, string>): Record<string, readonly string[]> {
  try {
    parseJdbcSinkConfig(props);
  } catch (e) {
    if (e instanceof ConfigException) return e.errors;
    throw e;
  }
  throw new Error('expected a ConfigException');
}

describe('JDBC URLs', () => {
  it('takes Postgres, MariaDB and MySQL URLs apart, parameters included', () => {
    expect(parseJdbcUrl('jdbc:postgresql://db.example:6543/analytics?user=u&password=p%40ss&sslmode=require')).toEqual({
      dialect: 'postgresql',
      host: 'db.example',
      port: 6543,
      database: 'analytics',
      params: { user: 'u', password: 'p@ss', sslmode: 'require' },
    });
    expect(parseJdbcUrl('jdbc:mariadb://h1:3307,h2:3308/shop')).toMatchObject({
      dialect: 'mariadb',
      host: 'h1',
      port: 3307,
      database: 'shop',
    });
    expect(parseJdbcUrl('jdbc:mysql://[::1]/shop;useSSL=true')).toMatchObject({
      dialect: 'mysql',
      host: '::1',
      port: 3306,
      params: { useSSL: 'true' },
    });
    expect(parseJdbcUrl('jdbc:postgresql:analytics')).toMatchObject({
      host: 'localhost',
      port: 5432,
      database: 'analytics',
    });
    expect(parseJdbcUrl('jdbc:postgresql://h/db', 'MySqlDatabaseDialect').dialect).toBe('mysql');
  });

  it('refuses what it cannot use, and hides passwords in messages', () => {
    expect(() => parseJdbcUrl('postgresql://h/db')).toThrow(/Not a JDBC URL/);
    expect(() => parseJdbcUrl('jdbc:oracle:thin:@h:1521/x')).toThrow(/Unsupported JDBC subprotocol 'oracle'/);
    expect(() => parseJdbcUrl('jdbc:postgresql://h:99999/db')).toThrow(/Bad port/);
    expect(() => parseJdbcUrl('jdbc:postgresql://h/')).toThrow(/names no database/);
    expect(redact('jdbc:postgresql://h/db?user=a&password=secret')).toBe(
      'jdbc:postgresql://h/db?user=a&password=[hidden]',
    );
    expect(wantsSsl({ sslmode: 'verify-full' })).toEqual({ enabled: true, verify: true });
    expect(wantsSsl({ ssl: 'true' })).toEqual({ enabled: true, verify: false });
    expect(wantsSsl({ sslmode: 'disable' }).enabled).toBe(false);
  });
});

describe('JDBC sink config', () => {
  it('reads the Confluent seed config', () => {
    const c = parseJdbcSinkConfig(SEED);
    expect(c).toMatchObject({
      flavor: 'confluent',
      user: 'postgres',
      password: 'password',
      insertMode: 'upsert',
      pkMode: 'record_key',
      autoCreate: true,
      autoEvolve: false,
      tableNameFormat: TOPIC_PLACEHOLDER,
      batchSize: 3000,
      quoteIdentifiers: true,
      timeZone: 'UTC',
    });
  });

  it("reads Debezium's names for the same things", () => {
    const c = parseJdbcSinkConfig({
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'connection.url': 'jdbc:postgresql://localhost/replica',
      'connection.username': 'dbz',
      'primary.key.mode': 'record_key',
      'primary.key.fields': 'id',
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'schema.evolution': 'basic',
      'collection.name.format': `cdc_${TOPIC_PLACEHOLDER}`,
      'quote.identifiers': 'false',
      'use.time.zone': 'Europe/Paris',
    });
    expect(c).toMatchObject({
      flavor: 'debezium',
      user: 'dbz',
      pkMode: 'record_key',
      pkFields: ['id'],
      autoCreate: true,
      autoEvolve: true,
      tableNameFormat: `cdc_${TOPIC_PLACEHOLDER}`,
      quoteIdentifiers: false,
      timeZone: 'Europe/Paris',
    });
  });

  it('takes user and password from the URL when the keys are absent', () => {
    const c = parseJdbcSinkConfig({ 'connection.url': 'jdbc:mariadb://h/db?user=app&password=pw' });
    expect(c).toMatchObject({ user: 'app', password: 'pw', url: { dialect: 'mariadb' } });
  });

  it('names every bad key at once, the cross-key ones included', () => {
    const errors = errorsOf({
      'connection.url': 'jdbc:oracle:thin:@x',
      'insert.mode': 'merge',
      'batch.size': '0',
      'delete.enabled': 'true',
      'pk.mode': 'record_value',
      'db.timezone': 'Mars/Olympus',
    });
    expect(Object.keys(errors).sort()).toEqual([
      'batch.size',
      'connection.url',
      'db.timezone',
      'delete.enabled',
      'insert.mode',
    ]);
    expect(errors['insert.mode']![0]).toMatch(/one of: insert, upsert, update/);
    expect(errors['delete.enabled']![0]).toMatch(/needs pk.mode=record_key/);
  });

  it('refuses an upsert without a key, and twins that disagree', () => {
    expect(errorsOf({ 'connection.url': 'jdbc:postgresql://h/db', 'insert.mode': 'upsert' })['pk.mode']![0]).toMatch(
      /needs a primary key/,
    );
    expect(
      errorsOf({ 'connection.url': 'jdbc:postgresql://h/db', 'pk.mode': 'kafka', 'primary.key.mode': 'record_key' })[
        'primary.key.mode'
      ]![0],
    ).toMatch(/conflicts with pk.mode/);
  });
});
