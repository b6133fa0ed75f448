/**
 * Electing the one writer among registry instances (Confluent's KafkaGroupLeaderElector): every
 * instance joins `schema.registry.group.id` over Kafka's group protocol with its URL and
 * leader.eligibility; the group leader picks the writer among the eligible members and tells
 * everyone its URL in the assignment.
 */
import type { Logger } from '@tributary/api';
import { type MemberAssignment, type MemberInfo, WorkerGroupMember } from '@tributary/runtime';

export interface LeaderElectorOptions {
  bootstrapServers: string[];
  groupId: string;
  clientId: string;
  url: string;
  eligible: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Called with the writer's URL (null while none is known) and whether it is this instance. */
  onLeaderChange: (leaderUrl: string | null, isLeader: boolean) => Promise<void>;
}

interface RegistryMember extends MemberInfo {
  leaderEligible?: boolean;
}

const NO_WORK = { connectors: [], tasks: [] };

export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #member: WorkerGroupMember;
  /** The writer this leader chose last time: kept while it stays in the group, so a join does not move it. */
  #lastWriter: string | null = null;

  constructor(o: LeaderElectorOptions) {
    this.#options = o;
    this.#member = new WorkerGroupMember({
      bootstrapServers: o.bootstrapServers,
      clientId: o.clientId,
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      rebalanceTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      logger: o.logger,
      metadata: () => {
        const md: Omit<RegistryMember, 'memberId'> = {
          url: o.url,
          configOffset: -1,
          owned: NO_WORK,
          leaderEligible: o.eligible,
        };
        return md;
      },
      assign: async (_leaderId, _generation, members) => this.#assign(members as RegistryMember[]),
      onAssigned: async (a, _generation, memberId) => {
        const url = a.leaderUrl || null;
        await o.onLeaderChange(url, a.leader !== '' && a.leader === memberId);
      },
      onRebalanceStart: () => {
        // No writes while the group decides: the old writer may be about to lose the role.
        void o.onLeaderChange(null, false);
      },
    });
  }

  #assign(members: RegistryMember[]): Map<string, MemberAssignment> {
    const eligible = members.filter((m) => m.leaderEligible !== false);
    const keep = eligible.find((m) => m.memberId === this.#lastWriter);
    // Otherwise the eligible member with the lowest URL, so every leader picks the same one.
    const writer = keep ?? [...eligible].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))[0];
    this.#lastWriter = writer?.memberId ?? null;
    if (!writer)
      this.#options.logger.warn(
        { members: members.length },
        'no leader-eligible schema registry instance in the group',
      );
    const a: MemberAssignment = {
      error: writer ? 0 : 1,
      leader: writer?.memberId ?? '',
      leaderUrl: writer?.url ?? '',
      configOffset: -1,
      assigned: NO_WORK,
      revoked: NO_WORK,
      delayMs: 0,
    };
    return new Map(members.map((m) => [m.memberId, a]));
  }

  start(): void {
    this.#member.start();
  }

  async stop(): Promise<void> {
    await this.#member.stop();
  }
}
