// Worker keys of a distributed worker on a single test broker: one owner for what every test, bench and
// comparison script used to spell out again.

/**
 * The cluster keys of a distributed worker named `name` (its group and its three internal topics, named
 * after it) on a one-broker Kafka: replication factor 1, few partitions. `extra` adds or overrides keys
 * (listeners, converters, flush and session timings).
 */
export function distributedWorkerProps(
  name: string,
  bootstrap: readonly string[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    'bootstrap.servers': bootstrap.join(','),
    'group.id': name,
    'config.storage.topic': `${name}-configs`,
    'offset.storage.topic': `${name}-offsets`,
    'status.storage.topic': `${name}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '5',
    'status.storage.partitions': '2',
    ...extra,
  };
}
