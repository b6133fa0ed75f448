/** The one way the runtime makes a Kafka consumer, so any group id Kafka accepts can be used. */
import { Consumer, type ConsumerOptions } from '@platformatic/kafka';

/**
 * A consumer of `groupId`. The client's option check refuses a group id with whitespace (`^\S+$`), which the broker
 * and Kafka Connect accept: a sink connector named `my sink` commits as group `connect-my sink`. So the check sees a
 * placeholder and the consumer then carries the real id, which every group request it makes reads.
 */
export function createConsumer(options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer>): Consumer {
  const consumer = new Consumer({ ...options, groupId: options.groupId.replace(/\s/g, '_') });
  consumer.groupId = options.groupId;
  return consumer;
}
