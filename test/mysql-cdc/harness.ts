// Shared pieces of the MySQL/MariaDB CDC integration tests: a private MariaDB with Debezium's inventory tables, the connector configs on it, and topic reading.
import { type PrivateMariaDb, type PrivateMariaDbOptions, startPrivateMariaDb } from '@tributary/testkit';
import { Kafka, type KafkaMessage } from 'kafkajs';
import mysql from 'mysql2/promise';
import { eventually, kafkaBootstrap, unique } from '../helpers.js';

export interface TestServer {
  server: PrivateMariaDb;
  /** Runs SQL as root. */
  sql(statement: string, values?: unknown[]): Promise<mysql.RowDataPacket[]>;
  close(): Promise<void>;
}

/** A private MariaDB with the `debezium`/`dbz` user of Debezium's tutorial (its grants) and inventory.customers. */
export async function inventoryServer(opts: PrivateMariaDbOptions = {}): Promise<TestServer> {
  const server = await startPrivateMariaDb({ binlog: true, serverId: 1, ...opts });
  let conn: mysql.Connection | null = null;
  const open = async (): Promise<mysql.Connection> => {
    conn ??= await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: 'root',
      multipleStatements: true,
    });
    return conn;
  };
  const sql = async (statement: string, values: unknown[] = []): Promise<mysql.RowDataPacket[]> => {
    try {
      const [rows] = await (await open()).query<mysql.RowDataPacket[]>(statement, values);
      return rows;
    } catch (err) {
      // The server was restarted or killed by the test: reconnect once.
      if (!/closed state|Connection lost|ECONNRESET|gone away/i.test((err as Error).message)) throw err;
      await conn?.end().catch(() => undefined);
      conn = null;
      const [rows] = await (await open()).query<mysql.RowDataPacket[]>(statement, values);
      return rows;
    }
  };
  await sql(`CREATE USER 'debezium'@'%' IDENTIFIED BY 'dbz'`);
  await sql(`GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'debezium'@'%'`);
  await sql('CREATE DATABASE inventory');
  await sql(
    `CREATE TABLE inventory.customers (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, first_name VARCHAR(255) NOT NULL,
       last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL UNIQUE KEY) AUTO_INCREMENT=1001`,
  );
  await sql(`INSERT INTO inventory.customers VALUES (default, 'Sally', 'Thomas', 'sally.thomas@acme.com'),
    (default, 'George', 'Bailey', 'gbailey@foobar.com'), (default, 'Edward', 'Walker', 'ed@walker.com'),
    (default, 'Anne', 'Kretchmar', 'annek@noanswer.org')`);
  return {
    server,
    sql,
    async close() {
      await conn?.end().catch(() => undefined);
      await server.destroy();
    },
  };
}

/** A topic prefix of its own for each connector, as the history and data topics are named after it. */
export function topicPrefix(name: string): string {
  return unique(name).replace(/-/g, '_');
}

/** The MariaDB connector on the test server as Debezium's tutorial user; each test adds its tables and modes. */
export function mariaDb(db: TestServer, serverId: number, prefix: string): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'database.hostname': db.server.host,
    'database.port': String(db.server.port),
    'database.user': 'debezium',
    'database.password': 'dbz',
    'database.server.id': String(serverId),
    'topic.prefix': prefix,
  };
}

/** The seed config of issue 16 exactly as users have it, with this machine's host, port and broker. */
export function seedConfig(server: PrivateMariaDb): { name: string; config: Record<string, string> } {
  return {
    name: 'mysql-source',
    config: {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.user': 'debezium',
      'database.password': 'dbz',
      'database.server.id': '184054',
      'database.server.name': 'mysql',
      'table.include.list': 'inventory.customers',
      'database.history.kafka.bootstrap.servers': kafkaBootstrap().join(','),
      'database.history.kafka.topic': 'schema-changes.inventory',
    },
  };
}

export interface Event {
  offset: number;
  key: { schema?: { name?: string }; payload: Record<string, unknown> } | null;
  value: {
    schema: { name: string; fields: Array<{ field: string; fields?: Array<{ field: string }> }> };
    payload: {
      op: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      source: Record<string, unknown>;
    };
  } | null;
}

/** End offset of partition 0 of a topic (0 when it does not exist yet): topics named by the seed config outlive a run. */
export async function endOffset(topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'mysqlcdc-check', brokers: kafkaBootstrap(), logLevel: 0 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return Number(offsets.find((o) => o.partition === 0)?.high ?? 0);
  } finally {
    await admin.disconnect();
  }
}

/** Events of a topic from `from` on, read with kafkajs (the independent client), until `until` holds. */
export async function consume(
  topic: string,
  from: number,
  until: (events: Event[]) => boolean,
  timeoutMs = 60_000,
): Promise<Event[]> {
  const kafka = new Kafka({ clientId: 'mysqlcdc-check', brokers: kafkaBootstrap(), logLevel: 0 });
  const admin = kafka.admin();
  await admin.connect();
  await eventually(async () => (await admin.listTopics()).includes(topic), {
    what: `topic ${topic}`,
    timeoutMs: 60_000,
  });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: unique('mysqlcdc-check'), allowAutoTopicCreation: false });
  const out: Event[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${out.length} events in ${topic}: …${JSON.stringify(out.slice(-10).map(brief))}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }: { message: KafkaMessage }) => {
          if (Number(message.offset) < from) return;
          out.push({
            offset: Number(message.offset),
            key: message.key ? JSON.parse(message.key.toString()) : null,
            value: message.value ? JSON.parse(message.value.toString()) : null,
          });
          if (until(out)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** op (or `tombstone`) and key id of an event, for compact assertions. */
export function brief(e: Event): string {
  return `${e.value?.payload.op ?? 'tombstone'}:${String(e.key?.payload.id)}`;
}
