// The console's client for the worker's REST API (Kafka Connect's paths and the /tributary extras).

export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';
export const STATES: State[] = ['FAILED', 'RUNNING', 'PAUSED', 'STOPPED', 'RESTARTING', 'UNASSIGNED'];

export interface TaskStatus {
  id: number;
  state: State;
  worker_id: string;
  trace?: string;
}
export interface ConnectorStatus {
  name: string;
  connector: { state: State; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: 'source' | 'sink' | 'unknown';
}
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: Array<{ connector: string; task: number }>;
  type: 'source' | 'sink' | 'unknown';
}
export type Expanded = Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }>;

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  width: string;
  display_name: string;
  dependents: string[];
  order_in_group: number;
}
export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{ definition: ConfigKeyInfo; value: ConfigValueInfo }>;
}
export interface PluginInfo {
  class: string;
  type: string;
  version: string;
}
export interface ClusterInfo {
  leader: string | null;
  self: string;
  workers: Array<{
    id: string;
    leader: boolean;
    self: boolean;
    connectors: string[];
    tasks: Array<{ connector: string; task: number }>;
  }>;
  failed: Array<{
    connector: string;
    task: number | null;
    worker_id: string;
    since: number | null;
    trace: string | null;
  }>;
}
export interface ConnectorOffsets {
  offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }>;
}
export interface WireRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
  decoded?: { key: DecodedPart | null; value: DecodedPart | null };
}
export interface TopicRecords {
  topic: string;
  partitions: Array<{ partition: number; start: number; end: number }>;
  records: WireRecord[];
}
export interface TaskSample {
  connector: string;
  task: number;
  type: 'source' | 'sink';
  polled: number;
  batches: number;
  written: number;
  read: number;
  put: number;
  errors: number;
  skipped: number;
  dlq: number;
  lag: Array<{ topic: string; partition: number; lag: number }>;
}
export interface MetricsHistory {
  interval_ms: number;
  worker_id: string;
  samples: Array<{ at: number; tasks: TaskSample[] }>;
}
export interface ReplayResult {
  partition: number;
  offset: number;
  topic?: string;
  target_partition?: number;
  error?: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The worker's tributary.console.token, asked for once a call answers 401 with a Bearer challenge; kept for the tab. */
const TOKEN_KEY = 'tributary.console.token';

function send(method: string, path: string, body: unknown): Promise<Response> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      // The worker refuses state-changing calls without JSON or this header (cross-site requests cannot send either).
      'x-requested-with': 'tributary-console',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const sentWith = sessionStorage.getItem(TOKEN_KEY);
  let res = await send(method, path, body);
  if (res.status === 401 && /bearer/i.test(res.headers.get('www-authenticate') ?? '')) {
    // Calls made at once all answer 401: the first asks, the others retry with what it was given.
    let token = sessionStorage.getItem(TOKEN_KEY);
    if (token === sentWith) {
      // globalThis: the file is also type-checked with Node's globals, which have no window.
      const ask = (globalThis as { prompt?: (message: string) => string | null }).prompt;
      token = ask?.('This worker needs its console token (tributary.console.token):')?.trim() ?? null;
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
    }
    if (token) res = await send(method, path, body);
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const message = (data as { message?: string } | null)?.message ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

export const enc = encodeURIComponent;
export const get = <T>(path: string): Promise<T> => api<T>('GET', path);

/** A record's key or value as the worker's registry converter decoded it (GET …/records?format=avro|json-schema|protobuf). */
export type DecodedPart =
  | { schema_id: number; subject: string | null; version: number | null; value: string }
  | { error: string; schema_id?: number; wire_format: boolean };

export interface RegistryInfo {
  configured: boolean;
  urls?: string[];
  source?: string;
}
export interface RegistrySchemaVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
  references?: Array<{ name: string; subject: string; version: number }>;
}

/** The registry's own API, proxied by the worker under /tributary/schema-registry (the browser never talks to it). */
export const REGISTRY = '/tributary/schema-registry';
