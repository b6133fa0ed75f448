/** Plugin descriptors and the `plugins` manifest a plugin package exports, with definePlugins to declare them. */
import type { ConfigProvider } from './config-provider.js';
import type { SinkConnector, SourceConnector } from './connector.js';
import type { Converter, HeaderConverter } from './converter.js';
import type { Predicate, Transformation } from './transform.js';

interface PluginBase<K extends string, T> {
  kind: K;
  /** The class name users write in configs, e.g. "FileStreamSinkConnector". */
  className: string;
  /** Other names that resolve to this plugin — typically the Java class names it replaces. */
  aliases?: readonly string[];
  version?: string;
  create(): T;
}

/** What connector plugins add: the Java task class Kafka Connect's own connector names in its task configs. */
interface ConnectorPluginBase<K extends string, T> extends PluginBase<K, T> {
  /**
   * Written as `task.class` in the task configs of the config topic, so a Kafka Connect worker taking over
   * the topics can load the tasks (e.g. "org.apache.kafka.connect.file.FileStreamSourceTask"). Without it,
   * the task class's own name is written, which only Tributary reads.
   */
  javaTaskClass?: string;
}

/** Where a source task's connector code runs: in a thread of its own, or in the worker's thread. */
export type TaskIsolation = 'none' | 'thread';

export interface SourcePlugin extends ConnectorPluginBase<'source', SourceConnector> {
  /**
   * Where this connector's tasks run when neither the connector's config nor the worker's sets `task.isolation`.
   * 'thread' suits a connector bound by its own CPU (decoding a change stream, building envelopes): the task
   * then has a core of its own while the worker's thread produces. A task that cannot run in a thread
   * (exactly-once source, a plugin registered in-process) runs in the worker's thread. Unset: 'none'.
   */
  taskIsolation?: TaskIsolation;
}
export type SinkPlugin = ConnectorPluginBase<'sink', SinkConnector>;
export type ConverterPlugin = PluginBase<'converter', Converter>;
export type HeaderConverterPlugin = PluginBase<'header_converter', HeaderConverter>;
export type TransformationPlugin = PluginBase<'transformation', Transformation>;
export type PredicatePlugin = PluginBase<'predicate', Predicate>;
export type ConfigProviderPlugin = PluginBase<'config_provider', ConfigProvider>;

export type PluginDescriptor =
  | SourcePlugin
  | SinkPlugin
  | ConverterPlugin
  | HeaderConverterPlugin
  | TransformationPlugin
  | PredicatePlugin
  | ConfigProviderPlugin;

export type PluginKind = PluginDescriptor['kind'];

/**
 * What a plugin package exports as `plugins` from the module named by its package.json
 * `"tributary": { "plugins": "./dist/index.js" }` field.
 */
export type PluginManifest = readonly PluginDescriptor[];

export function definePlugins<const T extends PluginManifest>(plugins: T): T {
  return plugins;
}
