// Types of kafka-connect.mjs for the TypeScript tests that start a Kafka Connect worker.
export declare const FILE_CONNECT_POM: string;
export declare function props(o: Record<string, string | number | boolean>): string;
export declare function freePort(): Promise<number>;
export declare function ensureJars(pom: string, cacheDir: string, log?: (m: string) => void): string;
export declare function ensureFileConnectJars(): string;
export declare const BASIC_AUTH_POM: string;
export declare function ensureBasicAuthJars(): string;
export declare const FAST_START_JVM: string[];
export interface KafkaConnectWorker {
  url: string;
  port: number;
  pid: number | undefined;
  logFile: string;
  tail(lines?: number): string;
  stop(): Promise<void>;
  exited(): number | string | null;
}
export declare function startKafkaConnect(opts: {
  libs: string;
  dir: string;
  mode?: 'standalone' | 'distributed';
  worker: Record<string, string>;
  connectors?: Array<{ name: string } & Record<string, string>>;
  jvmOptions?: string[];
  readyTimeoutMs?: number;
  classpath?: string[];
  readyHeaders?: Record<string, string>;
  https?: { ca: string; key?: string; cert?: string } | null;
}): Promise<KafkaConnectWorker>;
