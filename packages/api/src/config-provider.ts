/** Resolves ${provider:path:key} placeholders in configs (Kafka's ConfigProvider). */
export interface ConfigProvider {
  configure(props: Readonly<Record<string, string>>): void;
  /** Values for the given keys at path (all keys when `keys` is omitted). */
  get(path: string, keys?: readonly string[]): Promise<ConfigData> | ConfigData;
  close?(): void;
}

export interface ConfigData {
  data: Record<string, string>;
  /** Milliseconds after which the values should be read again, if they expire. */
  ttl?: number;
}
