// TLS to MariaDB with Debezium's database.ssl.* keys: a server that refuses plain connections, PKCS12 and PEM stores, a client certificate for a REQUIRE X509 user, and the errors of a wrong CA or a JKS file.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceRecord, Struct } from '@tributary/api';
import { MySqlConnector } from '@tributary/connector-mysql-cdc';
import { ConnectorTestDriver, makeTestCerts, type TestCerts } from '@tributary/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryServer, mariaDb, type TestServer, topicPrefix } from './harness.js';

const firstName = (r: SourceRecord): unknown => ((r.value as Struct).get('after') as Struct).get('first_name');

describe('MySQL CDC over TLS (database.ssl.*)', () => {
  let dir: string;
  let certs: TestCerts;
  let db: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-'));
    certs = makeTestCerts(dir);
    db = await inventoryServer({
      extraArgs: [
        `--ssl-ca=${path.join(dir, 'ca.pem')}`,
        `--ssl-cert=${path.join(dir, 'server.pem')}`,
        `--ssl-key=${path.join(dir, 'server.key')}`,
      ],
    });
    await db.sql(`CREATE USER 'x509'@'%' REQUIRE X509`);
    await db.sql(`GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'x509'@'%'`);
    // From here on the server refuses every connection without TLS (the harness's root session stays open).
    await db.sql('SET GLOBAL require_secure_transport = ON');
  });
  afterAll(async () => {
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, string>) => ({
    ...mariaDb(db, 5600 + Math.floor(Math.random() * 300), topicPrefix('tls')),
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'table.include.list': 'inventory.customers',
    'include.schema.changes': 'false',
    ...extra,
  });

  async function snapshotAndStream(props: Record<string, string>, name: string): Promise<unknown[]> {
    const driver = ConnectorTestDriver.source(MySqlConnector);
    try {
      await driver.start(props);
      const task = await driver.startTask();
      const [{ n }] = (await db.sql('SELECT count(*) AS n FROM inventory.customers')) as unknown as [{ n: number }];
      const snapshot = await task.poll({ count: Number(n) });
      await db.sql(`INSERT INTO inventory.customers (first_name, last_name, email) VALUES (?, 'Tls', ?)`, [
        name,
        `${name}@tls.example`,
      ]);
      const [streamed] = await task.poll({ count: 1 });
      return [...snapshot, streamed!].map(firstName);
    } finally {
      await driver.stop();
    }
  }

  it('verify_identity with a keytool PKCS12 truststore and a PKCS12 client keystore, as a REQUIRE X509 user', async () => {
    const names = await snapshotAndStream(
      config({
        'database.user': 'x509',
        'database.password': '',
        'database.ssl.mode': 'verify_identity',
        'database.ssl.truststore': certs.truststoreP12Keytool,
        'database.ssl.truststore.password': certs.truststorePassword,
        'database.ssl.keystore': certs.clientKeystoreP12,
        'database.ssl.keystore.password': certs.serverKeystorePassword,
      }),
      'X509',
    );
    expect(names).toEqual(['Sally', 'George', 'Edward', 'Anne', 'X509']);
  });

  it('verify_ca with a PEM truststore, and required without one', async () => {
    expect(
      await snapshotAndStream(
        config({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': certs.truststorePem }),
        'VerifyCa',
      ),
    ).toContain('VerifyCa');
    expect(await snapshotAndStream(config({ 'database.ssl.mode': 'required' }), 'Required')).toContain('Required');
  });

  it('refuses a server its truststore does not vouch for, a JKS file, and a plain connection', async () => {
    const start = async (props: Record<string, string>): Promise<string> => {
      const driver = ConnectorTestDriver.source(MySqlConnector);
      try {
        await driver.start(props);
        const task = await driver.startTask();
        await task.poll({ count: 1, timeoutMs: 20_000 });
        return 'started';
      } catch (err) {
        return String(err);
      } finally {
        await driver.stop().catch(() => undefined);
      }
    };
    const stranger = await start(
      config({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': path.join(dir, 'stranger-ca.pem') }),
    );
    expect(stranger).toMatch(/database\.hostname: Unable to connect .*certificate/);
    const jks = await start(config({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': certs.jksKeystore }));
    expect(jks).toMatch(/database\.ssl\.truststore/);
    expect(jks).toMatch(/JKS/);
    // MariaDB answers a plain connection under require_secure_transport with "Access denied": the passes above were TLS.
    expect(await start(config({ 'database.ssl.mode': 'disabled' }))).toMatch(/Access denied for user 'debezium'/);
  });
});
