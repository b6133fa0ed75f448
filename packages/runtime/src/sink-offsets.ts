/** A sink connector's offsets, which are its consumer group's (Kafka Connect's SinkUtils and Worker.modifySinkConnectorOffsets). */
import type { Admin } from '@platformatic/kafka';
import type { ConnectorOffset } from './herder-api.js';
import { BadRequestError } from './rest-errors.js';

/** The consumer group a sink connector's tasks share, and where its offsets live (SinkUtils.consumerGroupId). */
export function sinkConsumerGroup(connector: string): string {
  return `connect-${connector}`;
}

export interface SinkOffset {
  partition: { topic: string; partition: number };
  /** null removes the partition's committed offset. */
  offset: number | null;
}

/** The group's committed offsets in Kafka Connect's REST shape. */
export async function readSinkOffsets(admin: Admin, connector: string): Promise<ConnectorOffset[]> {
  const groups = await admin.listConsumerGroupOffsets({ groups: [sinkConsumerGroup(connector)] });
  const offsets: ConnectorOffset[] = [];
  for (const g of groups) {
    for (const t of g.topics ?? []) {
      for (const p of t.partitions ?? []) {
        const off = Number(p.committedOffset);
        if (off < 0) continue;
        offsets.push({
          // Kafka Connect's order (SinkUtils builds a HashMap, which iterates kafka_partition first).
          partition: { kafka_partition: p.partitionIndex, kafka_topic: t.name },
          offset: { kafka_offset: off },
        });
      }
    }
  }
  return offsets;
}

/** Sets the given partitions' offsets and deletes those given as null. */
export async function alterSinkOffsets(admin: Admin, connector: string, offsets: readonly SinkOffset[]): Promise<void> {
  const groupId = sinkConsumerGroup(connector);
  const toSet = offsets.filter((o) => o.offset !== null);
  const toDelete = offsets.filter((o) => o.offset === null);
  if (toSet.length > 0) {
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const o of toSet)
      byTopic.set(o.partition.topic, [
        ...(byTopic.get(o.partition.topic) ?? []),
        { partition: o.partition.partition, offset: BigInt(o.offset!) },
      ]);
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  }
  if (toDelete.length > 0)
    await deleteOffsets(
      admin,
      groupId,
      toDelete.map((o) => o.partition),
    );
}

/** Deletes every committed offset of the group (the connector starts from auto.offset.reset). */
export async function resetSinkOffsets(admin: Admin, connector: string): Promise<void> {
  const current = await readSinkOffsets(admin, connector);
  const partitions = current.map((o) => ({
    topic: String(o.partition.kafka_topic),
    partition: Number(o.partition.kafka_partition),
  }));
  if (partitions.length > 0) await deleteOffsets(admin, sinkConsumerGroup(connector), partitions);
}

async function deleteOffsets(
  admin: Admin,
  groupId: string,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
): Promise<void> {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  await admin.deleteConsumerGroupOffsets({
    groupId,
    topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
  });
}

/**
 * One sink connector offset of a PATCH body, checked as Kafka Connect's SinkUtils.parseSinkConnectorOffsets does, with
 * its messages: "10" and 10 are both accepted for a partition or an offset.
 */
/** A REST offset of a sink connector, checked as Kafka Connect checks it (SinkUtils.parseSinkConnectorOffsets). */
export function parseSinkOffset(o: ConnectorOffset): SinkOffset {
  const p = o.partition as Record<string, unknown> | null;
  if (p === null || p === undefined)
    throw new BadRequestError('The partition for a sink connector offset cannot be null or missing');
  if (!('kafka_topic' in p) || !('kafka_partition' in p))
    throw new BadRequestError(
      "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
    );
  if (p.kafka_topic === null) throw new BadRequestError('Kafka topic names must be valid strings and may not be null');
  if (p.kafka_partition === null)
    throw new BadRequestError('Kafka partitions must be valid numbers and may not be null');
  const partition = javaParseInteger(p.kafka_partition, 32);
  if (partition === null)
    throw new BadRequestError(
      `Failed to parse the following Kafka partition value in the provided offsets: '${String(p.kafka_partition)}'. Partition values for sink connectors need to be integers.`,
    );
  const topic = String(p.kafka_topic);
  // Checked here, not by the broker (where Kafka Connect leaves it): a topic name it cannot take or a
  // negative partition would otherwise fail deep in the client and answer 500.
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic))
    throw new BadRequestError(`Invalid Kafka topic name in the provided offsets: '${topic}'`);
  if (partition < 0)
    throw new BadRequestError(`Kafka partitions must be non-negative; got ${partition} in the provided offsets`);
  if (o.offset === null) return { partition: { topic, partition }, offset: null };
  if (!('kafka_offset' in o.offset))
    throw new BadRequestError(
      "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
    );
  const offset = javaParseInteger(o.offset.kafka_offset, 64);
  if (offset === null)
    throw new BadRequestError(
      `Failed to parse the following Kafka offset value in the provided offsets: '${String(o.offset.kafka_offset)}'. Offset values for sink connectors need to be integers.`,
    );
  if (offset < 0)
    throw new BadRequestError('Sink connector offsets need an offset of {"kafka_offset": <non-negative int>} or null');
  return { partition: { topic, partition }, offset };
}

/** Integer.parseInt / Long.parseLong of String.valueOf(v): null when Java would throw. */
function javaParseInteger(v: unknown, bits: 32 | 64): number | null {
  const text = String(v);
  if (!/^[+-]?\d+$/.test(text)) return null;
  const n = BigInt(text);
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (n > max || n < -max - 1n) return null;
  return Number(n);
}
