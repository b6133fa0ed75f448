/** Renders what the Herder returns as the exact JSON Kafka Connect writes: its field names, in its order. */
import { type ConfigKeyInfo, type ConfigValueInfo, javaHashMapOrder } from '@tributary/api';
import type {
  AutoRestartInfo,
  ConfigInfos,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStateInfo,
  LoggerLevel,
  PluginInfo,
  TaskInfo,
  TaskState,
} from '@tributary/runtime';

/*
 * Renderers from what the Herder returns to the exact JSON Kafka Connect writes: its field names,
 * in its order, with optional fields left out the way Jackson leaves them out. Building each body
 * field by field keeps anything else a runtime object carries off the wire.
 */

/**
 * `stored`: the config as read back from the config topic, which Kafka Connect answers in a HashMap's order (GET,
 * expand=info, PATCH); a POST or PUT answers with the config as the request gave it.
 */
export function connectorInfoView(i: ConnectorInfo, stored = true): ConnectorInfo {
  return {
    name: i.name,
    config: stored ? javaHashMapOrder(i.config) : { ...i.config },
    tasks: i.tasks.map((t) => ({ connector: t.connector, task: t.task })),
    type: i.type,
  };
}

function stateView<
  T extends {
    state: string;
    worker_id: string;
    trace?: string;
    version: string | null;
    auto_restart?: AutoRestartInfo;
  },
>(s: T): Pick<T, 'state' | 'worker_id' | 'trace' | 'version' | 'auto_restart'> {
  // Kafka Connect's AbstractState writes trace only when non-empty, and the version (4.x) always.
  return {
    state: s.state,
    worker_id: s.worker_id,
    ...(s.trace ? { trace: s.trace } : {}),
    version: s.version,
    // Tributary's self-healing fields come last; Kafka Connect's clients ignore them.
    ...(s.auto_restart
      ? {
          auto_restart: {
            restarts: s.auto_restart.restarts,
            last_failure: s.auto_restart.last_failure,
            last_failure_at: s.auto_restart.last_failure_at,
            next_attempt_at: s.auto_restart.next_attempt_at,
            gave_up: s.auto_restart.gave_up,
          },
        }
      : {}),
  };
}

export function taskStateView(t: TaskState): TaskState {
  return { id: t.id, ...stateView(t), ...(t.stuck ? { stuck: { call: t.stuck.call, since: t.stuck.since } } : {}) };
}

export function connectorStateView(s: ConnectorStateInfo): ConnectorStateInfo {
  return {
    name: s.name,
    connector: stateView(s.connector),
    // Kafka Connect sorts task states by id.
    tasks: [...s.tasks].sort((a, b) => a.id - b.id).map(taskStateView),
    type: s.type,
  };
}

export function taskInfoView(t: TaskInfo): TaskInfo {
  return { id: { connector: t.id.connector, task: t.id.task }, config: javaHashMapOrder(t.config) };
}

export function offsetsView(o: ConnectorOffsets): ConnectorOffsets {
  return { offsets: o.offsets.map((x) => ({ partition: x.partition, offset: x.offset })) };
}

export function pluginView(p: PluginInfo): Omit<PluginInfo, 'version'> & { version?: string } {
  // Kafka Connect omits the version of a plugin that does not declare one.
  return { class: p.class, type: p.type, ...(p.version && p.version !== 'undefined' ? { version: p.version } : {}) };
}

export function configKeyView(k: ConfigKeyInfo): ConfigKeyInfo {
  return {
    name: k.name,
    type: k.type,
    required: k.required,
    default_value: k.default_value,
    importance: k.importance,
    documentation: k.documentation,
    group: k.group,
    order_in_group: k.order_in_group,
    width: k.width,
    display_name: k.display_name,
    dependents: [...k.dependents],
  };
}

export function configValueView(v: ConfigValueInfo): ConfigValueInfo {
  return {
    name: v.name,
    value: v.value,
    recommended_values: [...v.recommended_values],
    errors: [...v.errors],
    visible: v.visible,
  };
}

export function configInfosView(c: ConfigInfos): ConfigInfos {
  return {
    name: c.name,
    error_count: c.error_count,
    groups: [...c.groups],
    configs: c.configs.map((x) => ({ definition: configKeyView(x.definition), value: configValueView(x.value) })),
  };
}

export function loggerLevelView(l: LoggerLevel): LoggerLevel {
  return { level: l.level, last_modified: l.last_modified };
}
