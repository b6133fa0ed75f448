// The consumer group protocol of sink tasks: Kafka's "consumer" protocol type with the "range"
// assignor, encoded as the Java client does, so a sink connector's group can hold Java members
// (a Kafka Connect worker on the same cluster) and ours at once.
import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '@platformatic/kafka';
import type { TopicPartition } from '@tributary/api';
import type { GroupProtocol } from './group-membership.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** Java's RangeAssignor; eager: every member gives up all its partitions before it rejoins. */
export const RANGE_ASSIGNOR = 'range';
const PROTOCOL_VERSION = 3;

/**
 * Java's RangeAssignor: per topic, members subscribed to it in member id order, each taking a
 * contiguous range of partitions; the first `partitions % members` take one more.
 */
export function rangeAssign(
  members: ReadonlyArray<{ memberId: string; topics: readonly string[] }>,
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const out = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionsPerTopic.get(topic);
    if (count === undefined) continue;
    const subscribers = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((id, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      const list = out.get(id)!;
      for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
    });
  }
  return out;
}

export interface ConsumerGroupProtocolOptions {
  /** The topics this member subscribes to now. */
  topics: () => readonly string[];
  /** Partition counts of the topics (leader only, when it assigns). */
  partitionCounts: (topics: readonly string[]) => Promise<Map<string, number>>;
  generation: () => number;
}

export function consumerGroupProtocol(o: ConsumerGroupProtocolOptions): GroupProtocol {
  return {
    type: CONSUMER_PROTOCOL_TYPE,
    protocols: () => [
      {
        name: RANGE_ASSIGNOR,
        metadata: encodeConsumerProtocolSubscription({
          version: PROTOCOL_VERSION,
          topics: [...o.topics()],
          userData: Buffer.alloc(0),
          // Eager: nothing is owned while joining, everything was given up before.
          ownedPartitions: [],
          generationId: o.generation(),
          rackId: null,
        }),
      },
    ],
    assign: async (_leaderId, _generation, _protocol, joined) => {
      const members = joined.map((m) => ({
        memberId: m.memberId,
        topics: decodeConsumerProtocolSubscription(m.metadata).topics,
      }));
      const counts = await o.partitionCounts([...new Set(members.flatMap((m) => m.topics))]);
      const assigned = rangeAssign(members, counts);
      return [...assigned].map(([memberId, tps]) => {
        const byTopic = new Map<string, number[]>();
        for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
        return {
          memberId,
          assignment: encodeConsumerProtocolAssignment({
            version: PROTOCOL_VERSION,
            assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
            userData: Buffer.alloc(0),
          }),
        };
      });
    },
  };
}

/** The partitions a SyncGroup assignment gives this member. */
export function decodeAssignment(assignment: Buffer): TopicPartition[] {
  return decodeConsumerProtocolAssignment(assignment).assignedPartitions.flatMap((a) =>
    a.partitions.map((partition) => ({ topic: a.topic, partition })),
  );
}
