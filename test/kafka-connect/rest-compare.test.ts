import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureFileConnectJars,
  FAST_START_JVM,
  type KafkaConnectWorker,
  startKafkaConnect,
} from '../../scripts/debezium/kafka-connect.mjs';
import { eventually, kafkaBootstrap, readTopic, createTopic } from '../helpers.js';
import { VERSION as FILE_VERSION } from '../../connectors/file/src/version.js';
import { WorkerProcess, clusterSpec } from '../worker-process.js';

/*
 * The same REST requests to a real Kafka Connect 4.3.1 distributed worker and to a Tributary worker, each a cluster of
 * its own on the same broker, with their status codes and bodies compared. Only run-specific values are masked: each
 * side's run id (in connector names, topics and files), its worker id and URL, versions and commits, stack traces.
 * Every other difference must be in ACCEPTED below, with the reason; an accepted difference that no longer occurs
 * fails the test too, so the list stays true.
 */

interface Side {
  name: 'kafka-connect' | 'tributary';
  url: string;
  run: string;
  dir: string;
  /** The version every plugin of this side reports. */
  pluginVersion: string;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

interface Step {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `RUN` is replaced by the side's run id (URL-encoded where it sits in a path). */
  path: string;
  body?: unknown;
  /** Sent as is (with Content-Type: application/json) instead of `body`. */
  raw?: string;
  /** Polled on each side until it holds, before the answer is compared (a state to reach). */
  until?: (a: Answer) => boolean;
  /** Not compared: a request that only sets up or cleans up. */
  quiet?: boolean;
}

/** An accepted difference: the step (`METHOD path` as written in CASES) and the JSON path that differs, with why. */
interface Accepted {
  step: string;
  at: string;
  why: string;
}

const PLUGIN_NAMES =
  'our plugins are named by their package (@tributary/connector-file/FileStreamSourceConnector); the Java class name is an alias (docs/rest-api.md)';
const VALIDATE = 'PUT /connector-plugins/FileStreamSourceConnector/config/validate';
const VALIDATE_SINK = 'PUT /connector-plugins/FileStreamSinkConnector/config/validate';
const CONVERTERS =
  "the installed converters: ours are named by their Java class where they replace one, and we have others (Avro, JSON Schema, Protobuf); Kafka Connect's runtime has its own few";
const ENUMS =
  "we list an enum key's values as its recommended values (the console offers them in a drop-down); Kafka Connect's ValidString recommends nothing";

const ACCEPTED: Accepted[] = [
  {
    step: 'POST /connectors <not JSON>',
    at: 'status',
    why: 'a body that is not JSON: Kafka Connect 500, we 400 (docs/rest-api.md)',
  },
  { step: 'POST /connectors <not JSON>', at: 'body.error_code', why: 'the same 400 instead of 500' },
  {
    step: 'POST /connectors <not JSON>',
    at: 'body.message',
    why: "Jackson's parser message against ours; both say the body is not JSON",
  },
  ...[VALIDATE, VALIDATE_SINK].flatMap((step): Accepted[] => [
    { step, at: 'body.name', why: PLUGIN_NAMES },
    { step, at: 'body.configs[5].value.recommended_values*', why: CONVERTERS },
    { step, at: 'body.configs[7].value.recommended_values*', why: CONVERTERS },
    { step, at: 'body.configs[9].value.recommended_values*', why: CONVERTERS },
    { step, at: 'body.configs[13].value.recommended_values', why: ENUMS },
    { step, at: 'body.configs[16].value.recommended_values', why: ENUMS },
  ]),
  { step: VALIDATE, at: 'body.configs[20].value.recommended_values', why: ENUMS },
  { step: VALIDATE, at: 'body.configs[21].value.recommended_values', why: ENUMS },
  {
    step: VALIDATE,
    at: 'body.configs[26].value.value',
    why: 'a value that does not parse: Kafka Connect shows null, we show it as given so the console can show it back',
  },
  {
    step: 'PUT /connector-plugins/NoSuchConnector/config/validate',
    at: 'status',
    why: 'an unknown plugin: Kafka Connect answers 500 (its BadRequestException escapes as a 500), we 404 as for GET …/config (docs/rest-api.md)',
  },
  { step: 'PUT /connector-plugins/NoSuchConnector/config/validate', at: 'body.error_code', why: 'the same 404' },
  {
    step: 'PUT /connector-plugins/NoSuchConnector/config/validate',
    at: 'body.message',
    why: 'Kafka Connect adds the exception class and every installed plugin',
  },
  {
    step: 'POST /connectors',
    at: 'body.message',
    why: "tasks.max=x: Kafka Connect adds a second line (its Range validator run on the unparsed null); a connector.class that is not installed: Kafka Connect's 500 names the exception and every plugin, ours is the 400 of an invalid config",
  },
  {
    step: 'POST /connectors',
    at: 'status',
    why: 'an unknown connector.class or a body without config: Kafka Connect 500 (a ConnectException, a NullPointerException), we 400 naming what is wrong (docs/rest-api.md)',
  },
  { step: 'POST /connectors', at: 'body.error_code', why: 'the same 400 instead of 500' },
  {
    step: 'PUT /admin/loggers/org.apache.kafka.connect.file',
    at: 'body',
    why: "Kafka Connect also lists its own classes' loggers under the namespace (FileStreamSinkTask …); ours have our names",
  },
];

let kc: Side;
let tr: Side;

const runId = (): string => `cmp${randomBytes(4).toString('hex')}`;

function sourceConfig(s: Side, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
    'tasks.max': '1',
    file: path.join(s.dir, 'in.txt'),
    topic: `${s.run}-lines`,
    ...extra,
  };
}

function sinkConfig(s: Side, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    'tasks.max': '1',
    file: path.join(s.dir, 'out.txt'),
    topics: `${s.run}-lines`,
    ...extra,
  };
}

const stopped = (a: Answer): boolean => {
  const b = a.body as { connector?: { state?: string }; tasks?: unknown[] } | null;
  return b?.connector?.state === 'STOPPED' && b.tasks?.length === 0;
};
const connectorIn = (wanted: string) => (a: Answer) =>
  (a.body as { connector?: { state?: string } } | null)?.connector?.state === wanted;
const tasksIn = (wanted: string) => (a: Answer) => {
  const b = a.body as { connector?: { state?: string }; tasks?: Array<{ state: string }> } | null;
  return b?.connector?.state === wanted && (b.tasks?.length ?? 0) > 0 && b.tasks!.every((t) => t.state === wanted);
};

/** Steps, each a function of the side so configs can name its files and topics. */
type StepOf = (s: Side) => Step;

const CASES: Array<{ name: string; steps: StepOf[] }> = [
  {
    name: 'server and plugins',
    steps: [
      () => ({ method: 'GET', path: '/' }),
      () => ({ method: 'GET', path: '/connectors' }),
      () => ({ method: 'GET', path: '/connector-plugins/FileStreamSourceConnector/config' }),
      () => ({
        method: 'GET',
        path: '/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config',
      }),
      () => ({ method: 'GET', path: '/connector-plugins/NoSuchConnector/config' }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSourceConnector/config/validate',
        body: sourceConfig(s),
      }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSourceConnector/config/validate',
        body: sourceConfig(s, { 'tasks.max': '0', 'batch.size': 'abc' }),
      }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSinkConnector/config/validate',
        body: sinkConfig(s, { 'tasks.max': '-1' }),
      }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/NoSuchConnector/config/validate',
        body: sourceConfig(s, { 'connector.class': 'NoSuchConnector' }),
      }),
    ],
  },
  {
    name: 'bad connector configs',
    steps: [
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-bad`, config: sourceConfig(s, { 'tasks.max': '0' }) },
      }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-bad`, config: sourceConfig(s, { 'tasks.max': '-1' }) },
      }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-bad`, config: sourceConfig(s, { 'tasks.max': 'x' }) },
      }),
      (s) => ({ method: 'PUT', path: '/connectors/RUN-bad/config', body: sourceConfig(s, { 'tasks.max': '0' }) }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-bad`, config: sourceConfig(s, { 'connector.class': 'NoSuchConnector' }) },
      }),
      (s) => ({ method: 'POST', path: '/connectors', body: { config: sourceConfig(s) } }),
      (s) => ({ method: 'POST', path: '/connectors', body: { name: `${s.run}-bad` } }),
      () => ({ method: 'POST', path: '/connectors', raw: '{"name": ' }),
      () => ({ method: 'GET', path: '/connectors' }),
    ],
  },
  {
    name: 'unknown connector',
    steps: [
      () => ({ method: 'GET', path: '/connectors/RUN-none' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/config' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/status' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/tasks' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/tasks/0/status' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/topics' }),
      () => ({ method: 'PUT', path: '/connectors/RUN-none/topics/reset' }),
      () => ({ method: 'GET', path: '/connectors/RUN-none/offsets' }),
      () => ({ method: 'PUT', path: '/connectors/RUN-none/pause' }),
      () => ({ method: 'PUT', path: '/connectors/RUN-none/resume' }),
      () => ({ method: 'PUT', path: '/connectors/RUN-none/stop' }),
      () => ({ method: 'POST', path: '/connectors/RUN-none/restart' }),
      () => ({ method: 'POST', path: '/connectors/RUN-none/tasks/0/restart' }),
      () => ({ method: 'PATCH', path: '/connectors/RUN-none/config', body: { 'batch.size': '5' } }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-none' }),
    ],
  },
  {
    name: 'a source connector through its life',
    steps: [
      (s) => ({ method: 'POST', path: '/connectors', body: { name: `${s.run}-src`, config: sourceConfig(s) } }),
      (s) => ({ method: 'POST', path: '/connectors', body: { name: `${s.run}-src`, config: sourceConfig(s) } }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('RUNNING') }),
      () => ({ method: 'GET', path: '/connectors/RUN-src' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/config' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/tasks' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/tasks/0/status' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/tasks/9/status' }),
      () => ({
        method: 'GET',
        path: '/connectors/RUN-src/topics',
        until: (a) => JSON.stringify(a.body).includes('-lines'),
      }),
      () => ({
        method: 'GET',
        path: '/connectors/RUN-src/offsets',
        until: (a) => JSON.stringify(a.body).includes('"position":6'),
      }),
      () => ({ method: 'GET', path: '/connectors?expand=status' }),
      () => ({ method: 'GET', path: '/connectors?expand=info' }),
      () => ({ method: 'GET', path: '/connectors?expand=info&expand=status' }),
      (s) => ({ method: 'PUT', path: '/connectors/RUN-src/config', body: sourceConfig(s, { 'batch.size': '10' }) }),
      (s) => ({
        method: 'PUT',
        path: '/connectors/RUN-src/config',
        body: { ...sourceConfig(s), name: `${s.run}-other` },
      }),
      () => ({ method: 'PATCH', path: '/connectors/RUN-src/config', body: { 'batch.size': '20' } }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/config' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('RUNNING') }),
      () => ({ method: 'PUT', path: '/connectors/RUN-src/pause' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('PAUSED') }),
      () => ({ method: 'PUT', path: '/connectors/RUN-src/resume' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('RUNNING') }),
      () => ({ method: 'POST', path: '/connectors/RUN-src/restart' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('RUNNING'), quiet: true }),
      () => ({ method: 'POST', path: '/connectors/RUN-src/restart?includeTasks=true&onlyFailed=true' }),
      () => ({ method: 'POST', path: '/connectors/RUN-src/tasks/0/restart' }),
      () => ({ method: 'POST', path: '/connectors/RUN-src/tasks/9/restart' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: tasksIn('RUNNING'), quiet: true }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-src/offsets' }),
      () => ({ method: 'PATCH', path: '/connectors/RUN-src/offsets', body: { offsets: [] } }),
      () => ({ method: 'PUT', path: '/connectors/RUN-src/stop' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/status', until: stopped }),
      (s) => ({
        method: 'PATCH',
        path: '/connectors/RUN-src/offsets',
        body: { offsets: [{ partition: { filename: path.join(s.dir, 'in.txt') }, offset: { position: 2 } }] },
      }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/offsets' }),
      () => ({
        method: 'PATCH',
        path: '/connectors/RUN-src/offsets',
        body: { offsets: [{ partition: {}, offset: { position: -1 } }] },
      }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-src/offsets' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src/offsets' }),
      () => ({ method: 'PUT', path: '/connectors/RUN-src/topics/reset' }),
      // Both forget the topics once the status topic's tombstones are read back.
      () => ({
        method: 'GET',
        path: '/connectors/RUN-src/topics',
        until: (a) => !JSON.stringify(a.body).includes('-lines'),
      }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-src' }),
      () => ({ method: 'GET', path: '/connectors/RUN-src', until: (a) => a.status === 404 }),
    ],
  },
  {
    name: 'a sink connector whose name has a space',
    steps: [
      (s) => ({ method: 'PUT', path: '/connectors/RUN%20sink/config', body: sinkConfig(s) }),
      () => ({ method: 'GET', path: '/connectors/RUN%20sink/status', until: tasksIn('RUNNING') }),
      () => ({ method: 'GET', path: '/connectors/RUN%20sink' }),
      () => ({
        method: 'GET',
        path: '/connectors/RUN%20sink/offsets',
        until: (a) => JSON.stringify(a.body).includes('kafka_offset'),
      }),
      () => ({ method: 'GET', path: '/connectors/RUN%20sink/topics' }),
      () => ({ method: 'PUT', path: '/connectors/RUN%20sink/stop' }),
      () => ({ method: 'GET', path: '/connectors/RUN%20sink/status', until: stopped }),
      (s) => ({
        method: 'PATCH',
        path: '/connectors/RUN%20sink/offsets',
        body: {
          offsets: [{ partition: { kafka_topic: `${s.run}-lines`, kafka_partition: 0 }, offset: { kafka_offset: 1 } }],
        },
      }),
      () => ({ method: 'GET', path: '/connectors/RUN%20sink/offsets' }),
      () => ({
        method: 'PATCH',
        path: '/connectors/RUN%20sink/offsets',
        body: { offsets: [{ partition: { kafka_topic: 'x' }, offset: {} }] },
      }),
      () => ({ method: 'DELETE', path: '/connectors/RUN%20sink' }),
    ],
  },
  {
    name: 'odd names',
    steps: [
      (s) => ({ method: 'PUT', path: '/connectors/RUN.d%C3%BCn%C3%A9-%2B%40/config', body: sourceConfig(s) }),
      () => ({ method: 'GET', path: '/connectors/RUN.d%C3%BCn%C3%A9-%2B%40/status', until: tasksIn('RUNNING') }),
      () => ({ method: 'GET', path: '/connectors' }),
      () => ({ method: 'DELETE', path: '/connectors/RUN.d%C3%BCn%C3%A9-%2B%40' }),
      (s) => ({ method: 'POST', path: '/connectors', body: { name: '', config: sourceConfig(s) } }),
      (s) => ({ method: 'POST', path: '/connectors', body: { name: ' ', config: sourceConfig(s) } }),
    ],
  },
  {
    name: 'initial states, sink checks and offsets of a running connector',
    steps: [
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-paused`, config: sourceConfig(s), initial_state: 'PAUSED' },
      }),
      // Created paused, it is never started: no task configs until it is resumed, on either side.
      () => ({ method: 'GET', path: '/connectors/RUN-paused/status', until: connectorIn('PAUSED') }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-stopped`, config: sourceConfig(s), initial_state: 'STOPPED' },
      }),
      () => ({ method: 'GET', path: '/connectors/RUN-stopped/status', until: (a) => stopped(a) }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: { name: `${s.run}-x`, config: sourceConfig(s), initial_state: 'SLEEPING' },
      }),
      () => ({ method: 'GET', path: '/connectors?expand=status' }),
      () => ({ method: 'PATCH', path: '/connectors/RUN-paused/offsets', body: { offsets: [] } }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-paused/offsets' }),
      () => ({ method: 'POST', path: '/connectors/RUN-paused/restart?includeTasks=true' }),
      () => ({ method: 'GET', path: '/connectors/RUN-paused/status', until: connectorIn('PAUSED'), quiet: true }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-paused' }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-paused' }),
      () => ({ method: 'DELETE', path: '/connectors/RUN-stopped' }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSinkConnector/config/validate',
        body: sinkConfig(s, { 'topics.regex': 'a.*' }),
      }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSinkConnector/config/validate',
        body: sinkConfig(s, { topics: '', 'errors.tolerance': 'some' }),
      }),
      (s) => ({
        method: 'PUT',
        path: '/connector-plugins/FileStreamSourceConnector/config/validate',
        body: sinkConfig(s),
      }),
      (s) => ({
        method: 'POST',
        path: '/connectors',
        body: {
          name: `${s.run}-dlq`,
          config: sinkConfig(s, { 'errors.deadletterqueue.topic.name': `${s.run}-lines` }),
        },
      }),
    ],
  },
  {
    name: 'loggers',
    steps: [
      () => ({ method: 'GET', path: '/admin/loggers/org.apache.kafka.connect.file' }),
      () => ({ method: 'GET', path: '/admin/loggers/root' }),
      () => ({ method: 'PUT', path: '/admin/loggers/org.apache.kafka.connect.file', body: { level: 'DEBUG' } }),
      () => ({ method: 'GET', path: '/admin/loggers/org.apache.kafka.connect.file' }),
      () => ({ method: 'PUT', path: '/admin/loggers/org.apache.kafka.connect.file', body: { level: 'NOPE' } }),
      () => ({ method: 'PUT', path: '/admin/loggers/org.apache.kafka.connect.file', body: {} }),
      () => ({
        method: 'PUT',
        path: '/admin/loggers/org.apache.kafka.connect.file?scope=cluster',
        body: { level: 'INFO' },
      }),
      // A cluster-wide level is applied when each worker reads it back from the config topic.
      () => ({
        method: 'GET',
        path: '/admin/loggers/org.apache.kafka.connect.file',
        until: (a) => (a.body as { level?: string } | null)?.level === 'INFO',
      }),
      () => ({
        method: 'PUT',
        path: '/admin/loggers/org.apache.kafka.connect.file?scope=nope',
        body: { level: 'INFO' },
      }),
    ],
  },
];

async function send(s: Side, step: Step): Promise<Answer> {
  const p = step.path.replaceAll('RUN', s.run);
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (step.raw !== undefined || step.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = step.raw ?? JSON.stringify(step.body);
  }
  const r = await fetch(`${s.url}${p}`, { method: step.method, headers, ...(body === undefined ? {} : { body }) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // A body that is not JSON is compared as text.
  }
  return { status: r.status, body: parsed };
}

/** Run-specific values made equal: run ids, worker ids and URLs, versions, commits, stack traces. */
/**
 * Tributary's own connector keys (auto.restart.*, task.watchdog.timeout.ms, in the group 'Self-healing'; see
 * docs/operations.md) that Kafka Connect does not have: left out of Tributary's plugin config and validate answers
 * before they are compared, and counted, so the test fails once they are no longer there to leave out.
 */
const OWN_GROUP = 'Self-healing';
let ownKeysLeftOut = 0;

function withoutOwnKeys(v: unknown): unknown {
  if (Array.isArray(v)) {
    const kept = v.filter((x) => {
      const entry = x as { group?: unknown; definition?: { group?: unknown } } | null;
      const own = entry?.group === OWN_GROUP || entry?.definition?.group === OWN_GROUP || x === OWN_GROUP;
      if (own) ownKeysLeftOut++;
      return !own;
    });
    return kept.map(withoutOwnKeys);
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutOwnKeys(x)]));
  return v;
}

function mask(s: Side, a: Answer): Answer {
  if (s.name === 'tributary') a = { ...a, body: withoutOwnKeys(a.body) };
  const host = new URL(s.url).host;
  let text = JSON.stringify(a.body);
  text = text
    .replaceAll(s.run, 'RUN')
    .replaceAll(encodeURIComponent(s.run), 'RUN')
    .replaceAll(s.url, 'URL')
    .replaceAll(host, 'WORKER');
  const walk = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (typeof v === 'string' && key === 'trace') return 'TRACE';
    if (typeof v === 'string' && (key === 'version' || key === 'commit')) return 'VERSION';
    // Plugin versions: Kafka Connect's plugins are 4.3.1, ours are versioned by their packages.
    if (typeof v === 'string' && v === s.pluginVersion) return 'VERSION';
    if (typeof v === 'number' && key === 'last_modified') return 'TIME';
    return v;
  };
  return { status: a.status, body: walk(JSON.parse(text), '') };
}

/** Every difference between two answers as `at: ours vs theirs`, key order of objects included. */
function differences(theirs: unknown, ours: unknown, at: string, out: Array<{ at: string; text: string }>): void {
  const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 400) ?? 'undefined';
  if (Array.isArray(theirs) && Array.isArray(ours)) {
    if (theirs.length !== ours.length) {
      out.push({ at, text: `Kafka Connect ${show(theirs)} / Tributary ${show(ours)}` });
      return;
    }
    for (const [i, t] of theirs.entries()) differences(t, ours[i], `${at}[${i}]`, out);
    return;
  }
  if (
    theirs &&
    ours &&
    typeof theirs === 'object' &&
    typeof ours === 'object' &&
    !Array.isArray(theirs) &&
    !Array.isArray(ours)
  ) {
    const tk = Object.keys(theirs);
    const ok = Object.keys(ours);
    for (const k of tk) {
      if (!(k in ours))
        out.push({
          at: `${at}.${k}`,
          text: `only Kafka Connect has it: ${show((theirs as Record<string, unknown>)[k])}`,
        });
    }
    for (const k of ok) {
      if (!(k in theirs))
        out.push({ at: `${at}.${k}`, text: `only Tributary has it: ${show((ours as Record<string, unknown>)[k])}` });
    }
    const common = tk.filter((k) => k in ours);
    const commonOurs = ok.filter((k) => k in theirs);
    // Maps keyed by connector names are in HashMap order of the names, which differ by their run ids.
    const byName = common.some((k) => k.includes('RUN'));
    if (!byName && common.join('\u0000') !== commonOurs.join('\u0000'))
      out.push({ at: `${at}<order>`, text: `Kafka Connect ${common.join(',')} / Tributary ${commonOurs.join(',')}` });
    for (const k of common)
      differences((theirs as Record<string, unknown>)[k], (ours as Record<string, unknown>)[k], `${at}.${k}`, out);
    return;
  }
  if (JSON.stringify(theirs) !== JSON.stringify(ours))
    out.push({ at, text: `Kafka Connect ${show(theirs)} / Tributary ${show(ours)}` });
}

/**
 * Kafka Connect's DistributedHerder refuses a request with this 500 while a rebalance it expects after a
 * config write has not happened yet (a loaded machine stretches that moment); its clients are meant to
 * retry, so the comparison is of the answer once that passes, on either side.
 */
const REBALANCE_EXPECTED = 'Request cannot be completed because a rebalance is expected';
const rebalancing = (a: Answer): boolean =>
  a.status === 500 && JSON.stringify(a.body ?? null).includes(REBALANCE_EXPECTED);

async function answer(s: Side, step: Step): Promise<Answer> {
  if (!step.until) {
    let last = await send(s, step);
    const deadline = Date.now() + 60_000;
    while (rebalancing(last) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      last = await send(s, step);
    }
    return last;
  }
  let last: Answer | undefined;
  await eventually(
    async () => {
      last = await send(s, step);
      return step.until!(last);
    },
    { timeoutMs: 60_000, what: `${s.name}: ${step.method} ${step.path}` },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last answer ${JSON.stringify(last)}`);
  });
  return last!;
}

const stepName = (step: Step): string => `${step.method} ${step.path}${step.raw !== undefined ? ' <not JSON>' : ''}`;

async function startSides(): Promise<void> {
  const libs = ensureFileConnectJars();
  const base = mkdtempSync(path.join(os.tmpdir(), 'rest-compare-'));
  const common = (run: string): Record<string, string> => ({
    'group.id': run,
    'config.storage.topic': `${run}-configs`,
    'offset.storage.topic': `${run}-offsets`,
    'status.storage.topic': `${run}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '5',
    'status.storage.partitions': '2',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.flush.interval.ms': '500',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'scheduled.rebalance.max.delay.ms': '1000',
  });
  const prepare = async (run: string): Promise<string> => {
    const dir = path.join(base, run);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'in.txt'), 'a\nb\nc\n');
    await createTopic(`${run}-lines`);
    return dir;
  };
  const kcRun = runId();
  const trRun = runId();
  const [kcDir, trDir] = await Promise.all([prepare(kcRun), prepare(trRun)]);
  const [k, t] = await Promise.all([
    startKafkaConnect({
      libs,
      dir: kcDir,
      jvmOptions: FAST_START_JVM,
      worker: { 'bootstrap.servers': kafkaBootstrap().join(','), ...common(kcRun) },
    }),
    WorkerProcess.start(clusterSpec(trRun, common(trRun)), { dir: trDir }),
  ]);
  const kw: KafkaConnectWorker = k;
  kc = { name: 'kafka-connect', url: kw.url, run: kcRun, dir: kcDir, pluginVersion: '4.3.1', stop: () => kw.stop() };
  tr = { name: 'tributary', url: t.url, run: trRun, dir: trDir, pluginVersion: FILE_VERSION, stop: () => t.stop() };
  // A distributed worker answers before it has joined its group; both must be ready to take connectors.
  for (const s of [kc, tr])
    await eventually(async () => (await send(s, { method: 'GET', path: '/connectors' })).status === 200, {
      timeoutMs: 60_000,
      what: `${s.name} ready`,
    });
}

beforeAll(startSides, 180_000);
afterAll(async () => {
  await Promise.all([kc?.stop(), tr?.stop()]);
});

describe('the REST API of Tributary and of Kafka Connect 4.3.1, request by request', () => {
  const seen = new Set<string>();
  for (const c of CASES) {
    it(c.name, async () => {
      const found: string[] = [];
      for (const of of c.steps) {
        const [theirs, ours] = await Promise.all([answer(kc, of(kc)), answer(tr, of(tr))]);
        const step = of(kc);
        if (step.quiet) continue;
        const name = stepName(step);
        const a = mask(kc, theirs);
        const b = mask(tr, ours);
        if (process.env.REST_COMPARE_DUMP)
          appendFileSync(process.env.REST_COMPARE_DUMP, `${JSON.stringify({ step: name, kc: a, tr: b })}\n`);
        const diffs: Array<{ at: string; text: string }> = [];
        if (a.status !== b.status)
          diffs.push({ at: 'status', text: `Kafka Connect ${a.status} / Tributary ${b.status}` });
        differences(a.body, b.body, 'body', diffs);
        for (const d of diffs) {
          const ok = ACCEPTED.find(
            (x) => x.step === name && (x.at === d.at || (x.at.endsWith('*') && d.at.startsWith(x.at.slice(0, -1)))),
          );
          if (ok) seen.add(`${ok.step} ${ok.at}`);
          else found.push(`${name} → ${d.at}: ${d.text}`);
        }
      }
      expect(found).toEqual([]);
    });
  }
  it('the same requests wrote the same records to the config topic', async () => {
    const records = async (side: Side): Promise<string[]> => {
      const topic = `${side.run}-configs`;
      const kafka = new Kafka({ clientId: 'rest-compare', brokers: kafkaBootstrap(), logLevel: 0 });
      const admin = kafka.admin();
      await admin.connect();
      const [end] = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const all = await readTopic(topic, Number(end!.high));
      return all
        .map((m) => {
          const key = (m.key?.toString() ?? '').replaceAll(side.run, 'RUN');
          const value = m.value === null ? null : (JSON.parse(m.value.toString()) as Record<string, unknown>);
          // What a record says, beyond its key: the states, requests and levels; configs are compared over REST.
          const what = /^(target-state|restart-connector|logger-cluster|commit)-/.test(key)
            ? JSON.stringify(value)
            : value === null
              ? 'null'
              : '';
          return `${key} ${what}`.trim();
        })
        .filter((r) => !r.startsWith('session-key'));
    };
    const [theirs, ours] = await Promise.all([records(kc), records(tr)]);
    const count = (rs: string[]) => [...new Set(rs)].sort().map((r) => `${rs.filter((x) => x === r).length}× ${r}`);
    expect(count(ours)).toEqual(count(theirs));
    // The requests above wrote each kind of record at least once.
    for (const kind of ['connector-', 'task-', 'commit-', 'target-state-', 'restart-connector-', 'logger-cluster-'])
      expect(
        theirs.some((r) => r.startsWith(kind)),
        kind,
      ).toBe(true);
  });

  it("Tributary's own self-healing keys were there to leave out", () => {
    expect(ownKeysLeftOut).toBeGreaterThan(0);
  });

  it('every accepted difference still occurs', () => {
    expect(ACCEPTED.map((a) => `${a.step} ${a.at}`).filter((k) => !seen.has(k))).toEqual([]);
  });
});
