// Shared pieces of the JDBC sink tests: Kafka topics and JSON records, target databases on Postgres and MariaDB.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, dropTestDatabase, startPrivateMariaDb } from '@tributary/testkit';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { inject } from 'vitest';
import { kafkaBootstrap, createTopic as createTestTopic } from '../helpers.js';

export function kafka(): Kafka {
  return new Kafka({ clientId: 'jdbc-sink-test', brokers: kafkaBootstrap(), logLevel: logLevel.NOTHING });
}

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  await createTestTopic(topic, { partitions });
}

export interface Message {
  key: unknown;
  value: unknown;
  partition?: number;
  /** Header values as text, as a Java producer's String headers (SimpleHeaderConverter parses them). */
  headers?: Record<string, string>;
}

/** Produces JSON keys and values (already in JsonConverter's envelope when the test wants schemas). */
export async function produce(topic: string, messages: readonly Message[]): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({
        topic,
        messages: messages.slice(i, i + 2000).map((m) => ({
          key: m.key === null ? null : JSON.stringify(m.key),
          value: m.value === null ? null : JSON.stringify(m.value),
          ...(m.partition !== undefined ? { partition: m.partition } : {}),
          ...(m.headers ? { headers: m.headers } : {}),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** JsonConverter's {schema, payload} envelope. */
export const withSchema = (schema: unknown, payload: unknown): unknown => ({ schema, payload });

/** The Postgres the global setup provides (or PG_URL when run by hand). */
export function pgBaseUrl(): string {
  return process.env.PG_URL ?? inject('services').postgres.url;
}

export interface PgTarget {
  url: string;
  name: string;
  host: string;
  port: number;
  /** connection.url for the sink. */
  jdbcUrl: string;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A fresh Postgres database; close() drops it. */
export async function pgTarget(prefix: string): Promise<PgTarget> {
  const url = await createTestDatabase(prefix, pgBaseUrl());
  const u = new URL(url);
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  const name = decodeURIComponent(u.pathname.slice(1));
  const port = Number(u.port || 5432);
  return {
    url,
    name,
    host: u.hostname,
    port,
    jdbcUrl: `jdbc:postgresql://${u.hostname}:${port}/${name}`,
    query: async (sql, params) => (await client.query(sql, params)).rows,
    async close() {
      await client.end().catch(() => undefined);
      await dropTestDatabase(url);
    },
  };
}

/**
 * The MariaDB the test writes into: MARIADB_URL (mysql://user:password@host:port) when set, else a private
 * server of the test's own (startPrivateMariaDb, no binlog: a sink target needs none), so nothing touches the
 * machine's shared MariaDB.
 */
async function mariaDbServer(): Promise<{
  base: { host: string; port: number; user: string; password: string };
  stop(): Promise<void>;
}> {
  if (process.env.MARIADB_URL) {
    const u = new URL(process.env.MARIADB_URL);
    const base = {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
    };
    return { base, stop: async () => undefined };
  }
  const server = await startPrivateMariaDb({ binlog: false });
  return {
    base: { host: server.host, port: server.port, user: server.user, password: server.password },
    stop: () => server.destroy(),
  };
}

export interface MariaTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  jdbcUrl: string;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A fresh MariaDB database (trib_<prefix>_<random>); close() drops it. */
export async function mariaTarget(prefix: string): Promise<MariaTarget> {
  const server = await mariaDbServer();
  const { base } = server;
  const name = `trib_${prefix}_${randomBytes(4).toString('hex')}`;
  const conn = await mysql.createConnection({
    ...base,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  conn.on('error', () => undefined);
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.query(`USE \`${name}\``);
  return {
    name,
    ...base,
    jdbcUrl: `jdbc:mariadb://${base.host}:${base.port}/${name}`,
    query: async <R>(sql: string, params?: unknown[]) => (await conn.query(sql, params))[0] as R[],
    async close() {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
      await conn.end().catch(() => undefined);
      await server.stop();
    },
  };
}
