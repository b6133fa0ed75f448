// Types of connect.mjs for the TypeScript tests (the parts they use).
export declare function ensureJars(): string;
export interface ConnectorStatus {
  connector: { state: string; trace?: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}
export interface KafkaConnectSinkWorker {
  url: string;
  pid: number | undefined;
  status(name?: string): Promise<ConnectorStatus | null>;
  put(name: string, config: Record<string, string>): Promise<void>;
  tail(lines?: number): string;
  stop(): Promise<void>;
}
export declare function startKafkaConnect(
  libs: string,
  tmp: string,
  sinkProps: ({ name: string } & Record<string, string>) | Array<{ name: string } & Record<string, string>> | null,
  extra?: Record<string, string>,
  jvmOptions?: string[],
): Promise<KafkaConnectSinkWorker>;
