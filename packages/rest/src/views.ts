import type { ConfigKeyInfo, ConfigValueInfo } from '@tributary/api';
import type {
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

export function connectorInfoView(i: ConnectorInfo): ConnectorInfo {
  return {
    name: i.name,
    config: { ...i.config },
    tasks: i.tasks.map((t) => ({ connector: t.connector, task: t.task })),
    type: i.type,
  };
}

function stateView<T extends { state: string; worker_id: string; trace?: string }>(
  s: T,
): Pick<T, 'state' | 'worker_id' | 'trace'> {
  // Kafka Connect's AbstractState writes trace only when non-empty.
  return { state: s.state, worker_id: s.worker_id, ...(s.trace ? { trace: s.trace } : {}) };
}

export function taskStateView(t: TaskState): TaskState {
  return { id: t.id, ...stateView(t) };
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
  return { id: { connector: t.id.connector, task: t.id.task }, config: { ...t.config } };
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
    width: k.width,
    display_name: k.display_name,
    dependents: [...k.dependents],
    order: k.order,
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
