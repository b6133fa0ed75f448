/** Topic creation for source connectors (KIP-158, Kafka Connect's TopicCreation and TopicCreationGroup): which group's settings a new topic gets. */
import type { Admin } from '@platformatic/kafka';
import { ensureTopic, type TopicSpec } from '../kafka/log.js';
import { withPrefix } from '../worker-config.js';

/**
 * The topic.creation.* settings of one source connector. A topic goes to the first group in
 * topic.creation.groups whose include matches and exclude does not, else to the default group.
 */
export class TopicCreation {
  readonly #props: Readonly<Record<string, string>>;
  readonly #groups: readonly string[];
  readonly #admin: Admin;

  private constructor(props: Readonly<Record<string, string>>, admin: Admin) {
    this.#props = props;
    this.#admin = admin;
    this.#groups = (props['topic.creation.groups'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * The connector's topic creation, or null when the worker disables it (topic.creation.enable=false) or the
   * connector has no default group: then, as in Kafka Connect, topics are left to the broker.
   */
  static of(props: Readonly<Record<string, string>>, workerEnabled: boolean, admin: Admin): TopicCreation | null {
    if (!workerEnabled) return null;
    const hasDefault =
      props['topic.creation.default.partitions'] !== undefined ||
      props['topic.creation.default.replication.factor'] !== undefined;
    return hasDefault ? new TopicCreation(props, admin) : null;
  }

  /** The group whose settings the topic is created with. */
  groupOf(topic: string): string {
    const matches = (list: string | undefined): boolean =>
      !!list && list.split(',').some((re) => new RegExp(`^(?:${re.trim()})$`).test(topic));
    for (const g of this.#groups) {
      if (matches(this.#props[`topic.creation.${g}.include`]) && !matches(this.#props[`topic.creation.${g}.exclude`]))
        return g;
    }
    return 'default';
  }

  /** Partitions, replication factor and topic configs: the group's own over the default group's (-1 is the broker's). */
  specOf(topic: string): TopicSpec {
    const own = withPrefix(this.#props, `topic.creation.${this.groupOf(topic)}.`);
    const dflt = withPrefix(this.#props, 'topic.creation.default.');
    const partitions = Number(own.partitions ?? dflt.partitions ?? -1);
    const rf = Number(own['replication.factor'] ?? dflt['replication.factor'] ?? -1);
    const configs: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...dflt, ...own })) {
      if (!['partitions', 'replication.factor', 'include', 'exclude'].includes(k)) configs[k] = v;
    }
    return {
      name: topic,
      partitions: partitions === -1 ? 1 : partitions,
      replicationFactor: rf === -1 ? 1 : rf,
      configs,
    };
  }

  /** Creates the topic with its group's settings unless it exists. */
  async ensure(topic: string): Promise<void> {
    await ensureTopic(this.#admin, this.specOf(topic));
  }
}
