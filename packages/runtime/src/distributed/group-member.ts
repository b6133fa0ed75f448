/** One worker's membership in the Connect group over Kafka's group protocol: join metadata and assignments (Kafka Connect's WorkerGroupMember). */
import type { Logger } from '@tributary/api';
import { GroupMembership } from '../kafka/group-membership.js';
import type { MemberAssignment, MemberInfo } from './assignor.js';

/** Kafka's group protocol type for Connect workers; the protocol name keeps Java workers out of our groups. */
export const PROTOCOL_TYPE = 'connect';
export const PROTOCOL_NAME = 'tributary-v1';

export interface GroupMemberOptions {
  bootstrapServers: string[];
  clientId: string;
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** This worker's metadata for the next join (URL, config offset, what it runs). */
  metadata: () => Omit<MemberInfo, 'memberId'>;
  /** Leader only: computes every member's assignment. */
  assign: (leaderId: string, generation: number, members: MemberInfo[]) => Promise<Map<string, MemberAssignment>>;
  /** Called with this member's assignment after every successful sync. */
  onAssigned: (a: MemberAssignment, generation: number, memberId: string) => Promise<void>;
  /** Called when the group starts rebalancing (REST writes answer 409 until the next assignment). */
  onRebalanceStart: () => void;
}

/**
 * One worker's membership in the Connect group (WorkerGroupMember): member metadata carries the
 * worker's REST URL, config offset and current work as JSON; the leader's assignment reaches each
 * member in SyncGroup. Workers give work up by the assignment's revocations, not before joining.
 */
export class WorkerGroupMember {
  readonly #membership: GroupMembership;

  constructor(o: GroupMemberOptions) {
    this.#membership = new GroupMembership({
      bootstrapServers: o.bootstrapServers,
      clientId: o.clientId,
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      logger: o.logger,
      beforeJoin: () => o.onRebalanceStart(),
      protocol: {
        type: PROTOCOL_TYPE,
        protocols: () => [{ name: PROTOCOL_NAME, metadata: Buffer.from(JSON.stringify(o.metadata())) }],
        assign: async (leaderId, generation, _protocol, joined) => {
          const members: MemberInfo[] = joined.map((m) => {
            const parsed = JSON.parse(m.metadata.length > 0 ? m.metadata.toString('utf8') : '{}') as Omit<
              MemberInfo,
              'memberId'
            >;
            // Extra metadata fields (e.g. a schema registry's leader eligibility) reach the assignor as they are.
            return {
              ...parsed,
              memberId: m.memberId,
              url: parsed.url,
              configOffset: parsed.configOffset ?? -1,
              owned: parsed.owned ?? { connectors: [], tasks: [] },
            };
          });
          const result = await o.assign(leaderId, generation, members);
          return [...result].map(([memberId, a]) => ({ memberId, assignment: Buffer.from(JSON.stringify(a)) }));
        },
      },
      onAssigned: async (assignment, generation, memberId) => {
        const mine = JSON.parse(assignment.toString('utf8') || '{}') as MemberAssignment;
        o.logger.info(
          {
            generation,
            leader: this.isLeader,
            connectors: mine.assigned?.connectors.length ?? 0,
            tasks: mine.assigned?.tasks.length ?? 0,
            revokedConnectors: mine.revoked?.connectors.length ?? 0,
            revokedTasks: mine.revoked?.tasks.length ?? 0,
            delayMs: mine.delayMs ?? 0,
          },
          'joined group',
        );
        await o.onAssigned(mine, generation, memberId);
      },
    });
  }

  get memberId(): string {
    return this.#membership.memberId;
  }
  get generation(): number {
    return this.#membership.generation;
  }
  get isLeader(): boolean {
    return this.#membership.isLeader;
  }

  start(): void {
    this.#membership.start();
  }

  /** Asks for a new generation (e.g. after revoking work, or when lost work may now be reassigned). */
  requestRejoin(): void {
    this.#membership.requestRejoin();
  }

  /** Leaves the group so the others rebalance at once instead of after the session timeout. */
  async stop(): Promise<void> {
    await this.#membership.stop('worker shutting down');
  }
}
