/** The one way the runtime makes a Kafka producer, so every record any of them writes is partitioned by Java's rule. */
import { Producer, type ProducerOptions } from '@platformatic/kafka';
import { murmur2 } from './murmur2.js';

/**
 * Java's default partitioner for a keyed record (`Utils.toPositive(Utils.murmur2(key)) % partitions`).
 * The client's own default (`murmur2(key) >>> 0`) puts a key whose hash has the top bit set elsewhere,
 * and then Kafka Connect and Tributary disagree about where an offset or a status lives.
 */
export function javaPartition(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

let roundRobin = 0;

/**
 * The same rule as the client's `partitioner` option, for records sent without an explicit partition (the
 * client takes the result modulo the topic's partition count). Records without a key go round-robin.
 * Our murmur2 works on 32-bit integers, so a long key costs microseconds, not the client's BigInt seconds.
 */
export function javaPartitioner(_message: unknown, key: Buffer | undefined): number {
  if (key) return murmur2(key) & 0x7fffffff;
  roundRobin = (roundRobin + 1) & 0x7fffffff;
  return roundRobin;
}

/** A producer that partitions as Java does; every producer of the runtime is made here. */
export function createProducer(
  options: Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'partitioner'>,
): Producer {
  return new Producer({ ...options, partitioner: javaPartitioner });
}
