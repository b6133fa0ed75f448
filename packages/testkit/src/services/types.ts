/** Where each service answers. `tributary services status --json` prints exactly this shape. */
export interface ServiceEndpoints {
  kafka: { bootstrap: string };
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  postgres: { url: string };
  redis: { url: string };
}

export type ServiceName = keyof ServiceEndpoints;

export const SERVICE_NAMES: readonly ServiceName[] = ['kafka', 's3', 'postgres', 'redis'];

/**
 * Who runs a service:
 * - `harness`: a process the harness started (Kafka, S3Proxy), pid file in the state directory;
 * - `machine`: the machine's own service (Postgres, Redis), never stopped by the harness;
 * - `env`: an address given through an environment variable, nothing started;
 * - `external`: something already answering on the port that the harness did not start.
 */
export type ServiceManager = 'harness' | 'machine' | 'env' | 'external';

/**
 * How long a harness-started process lives:
 * - `persistent`: started (or adopted) by `tributary services up`; runs until `tributary services down`;
 * - `session`: started for a test run; stopped when the last test run using it releases it.
 */
export type ServiceOwner = 'persistent' | 'session';

export interface ServiceState {
  name: ServiceName;
  running: boolean;
  manager: ServiceManager;
  /** Present when the harness started the process. */
  owner?: ServiceOwner;
  pid?: number;
  /** URL or host:port, or null when unknown (for instance S3Proxy never started). */
  endpoint: string | null;
  detail?: string;
}

export interface ServicesStatus {
  /** True when all four services answer. */
  running: boolean;
  /** The endpoints, or null unless all four answer. */
  endpoints: ServiceEndpoints | null;
  services: Record<ServiceName, ServiceState>;
}

export interface ServicesOptions {
  /** Where pid files, logs and data live. Default `$TRIBUTARY_STATE_DIR` or `~/.cache/tributary/run`. */
  stateDir?: string;
  /** Where jars are cached. Default `$TRIBUTARY_CACHE_DIR` or `~/.cache/tributary`. */
  cacheDir?: string;
  /** Environment read for the overrides (KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT, PG_URL, REDIS_URL). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines. Default: written to stderr. Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

export interface ServicesUpOptions extends ServicesOptions {
  /** Default `persistent`. Test runs use {@link acquireServices}, which passes `session`. */
  owner?: ServiceOwner;
}

export interface ServicesDownOptions extends ServicesOptions {
  /** Also delete Kafka's and S3Proxy's data (topics, buckets). */
  purge?: boolean;
}

export interface ServiceSession {
  endpoints: ServiceEndpoints;
  /** Services this call started (others were already running). */
  started: ServiceName[];
  /**
   * Ends this session. When no other live session remains, stops the harness processes that sessions
   * started; services started by `tributary services up` or running before are left alone.
   */
  release(): Promise<ServiceName[]>;
}
