// Membership in a Kafka group over the classic group protocol (FindCoordinator, JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup), shared by the workers' Connect group and the sink tasks'
// consumer groups. What a member says about itself and how the leader assigns is the protocol's.
import {
  Admin,
  Connection,
  heartbeatV4,
  joinGroupV9,
  leaveGroupV5,
  offsetCommitV8,
  offsetFetchV8,
  syncGroupV5,
} from '@platformatic/kafka';
import type { Logger } from '@tributary/api';
import { errorText } from '../util/error-text.js';

/** What one kind of group puts in JoinGroup and how its leader assigns (Kafka's ConsumerPartitionAssignor / ConnectProtocol). */
export interface GroupProtocol {
  /** Kafka's protocol type: "connect" for workers, "consumer" for sink tasks. */
  readonly type: string;
  /** The protocols this member supports, most preferred first, each with this member's metadata. */
  protocols(): Array<{ name: string; metadata: Buffer }>;
  /** Leader only: every member's assignment under the protocol the coordinator chose. */
  assign(
    leaderId: string,
    generation: number,
    protocolName: string,
    members: ReadonlyArray<{ memberId: string; metadata: Buffer }>,
  ): Promise<Array<{ memberId: string; assignment: Buffer }>>;
}

export interface GroupMembershipOptions {
  bootstrapServers: string[];
  clientId: string;
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  protocol: GroupProtocol;
  /**
   * Awaited before every JoinGroup, while this member still holds the generation it is leaving:
   * the place to give work up and commit what it did (Java's onPartitionsRevoked), since the
   * members that take the work over read what was committed as soon as they are assigned.
   */
  beforeJoin: () => Promise<void> | void;
  /** This member's assignment after every successful SyncGroup. */
  onAssigned: (assignment: Buffer, generation: number, memberId: string, protocolName: string) => Promise<void>;
}

export type GroupErrorId =
  | 'MEMBER_ID_REQUIRED'
  | 'UNKNOWN_MEMBER_ID'
  | 'REBALANCE_IN_PROGRESS'
  | 'ILLEGAL_GENERATION'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'FENCED_INSTANCE_ID'
  | 'OTHER';

const GROUP_ERRORS: ReadonlyArray<Exclude<GroupErrorId, 'OTHER'>> = [
  'MEMBER_ID_REQUIRED',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
];

export function groupErrorId(err: unknown): GroupErrorId {
  const t = errorText(err);
  return GROUP_ERRORS.find((id) => t.includes(id)) ?? 'OTHER';
}

function responseMemberId(err: unknown): string | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | null => {
    if (!e || typeof e !== 'object' || seen.has(e)) return null;
    seen.add(e);
    const rec = e as { response?: { memberId?: string | null }; memberId?: string; errors?: unknown[] };
    if (rec.response?.memberId) return rec.response.memberId;
    if (typeof rec.memberId === 'string' && rec.memberId) return rec.memberId;
    for (const x of rec.errors ?? []) {
      const m = walk(x);
      if (m) return m;
    }
    return null;
  };
  return walk(err);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One member of a Kafka group (Java's AbstractCoordinator): joins, syncs, heartbeats on its own
 * timer and rejoins when the coordinator starts a rebalance, calling `beforeJoin` first each time.
 */
export class GroupMembership {
  readonly #options: GroupMembershipOptions;
  #memberId = '';
  #generation = -1;
  #leaderId = '';
  #coordinator: { host: string; port: number } | null = null;
  #joinConn: Connection | null = null;
  #hbConn: Connection | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #rejoinRequested = true;
  #wake: (() => void) | null = null;
  #hbTimer: NodeJS.Timeout | null = null;

  constructor(o: GroupMembershipOptions) {
    this.#options = o;
  }

  get memberId(): string {
    return this.#memberId;
  }
  get generation(): number {
    return this.#generation;
  }
  get isLeader(): boolean {
    return this.#memberId !== '' && this.#memberId === this.#leaderId;
  }
  /** True from the moment a rebalance is known until this member has joined again. */
  get rejoinPending(): boolean {
    return this.#rejoinRequested;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Asks for a new generation (new metadata, work given up, a changed subscription). */
  requestRejoin(): void {
    this.#rejoinRequested = true;
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async #findCoordinator(): Promise<{ host: string; port: number }> {
    const admin = new Admin({
      clientId: `${this.#options.clientId}-coord`,
      bootstrapBrokers: this.#options.bootstrapServers,
      retries: 3,
    });
    try {
      const res = await admin.findCoordinator({ keys: [this.#options.groupId], keyType: 0 });
      const c = res[0] as unknown as { host?: string; port?: number } | undefined;
      if (!c?.host || !c.port) throw new Error(`no coordinator for group ${this.#options.groupId}`);
      return { host: c.host, port: c.port };
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async #connect(): Promise<void> {
    await this.#closeConnections();
    this.#coordinator = await this.#findCoordinator();
    const joinConn = new Connection(`${this.#options.clientId}-group`, {
      requestTimeout: this.#options.rebalanceTimeoutMs + 5000,
    });
    const hbConn = new Connection(`${this.#options.clientId}-heartbeat`, {
      requestTimeout: this.#options.sessionTimeoutMs,
    });
    await joinConn.connect(this.#coordinator.host, this.#coordinator.port);
    await hbConn.connect(this.#coordinator.host, this.#coordinator.port);
    this.#joinConn = joinConn;
    this.#hbConn = hbConn;
  }

  async #closeConnections(): Promise<void> {
    const conns = [this.#joinConn, this.#hbConn];
    this.#joinConn = null;
    this.#hbConn = null;
    for (const c of conns) await c?.close().catch(() => undefined);
  }

  async #run(): Promise<void> {
    let backoff = 200;
    while (this.#running) {
      if (!this.#rejoinRequested) {
        await new Promise<void>((r) => {
          this.#wake = r;
        });
        continue;
      }
      try {
        this.#stopHeartbeats();
        await this.#options.beforeJoin();
        if (!this.#running) return;
        if (!this.#joinConn) await this.#connect();
        this.#rejoinRequested = false;
        await this.#joinAndSync();
        backoff = 200;
        this.#startHeartbeats();
      } catch (err) {
        const id = groupErrorId(err);
        this.#rejoinRequested = true;
        if (!this.#running) return;
        if (id === 'UNKNOWN_MEMBER_ID') this.#memberId = '';
        if (id === 'REBALANCE_IN_PROGRESS') continue;
        if (id === 'NOT_COORDINATOR' || id === 'COORDINATOR_NOT_AVAILABLE' || id === 'OTHER')
          await this.#closeConnections();
        this.#options.logger.warn({ err: errorText(err), backoffMs: backoff }, 'group membership error; rejoining');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  async #joinAndSync(): Promise<void> {
    const protocols = this.#options.protocol.protocols();
    let join: Awaited<ReturnType<typeof joinGroupV9.api.async>>;
    for (;;) {
      try {
        join = await joinGroupV9.api.async(
          this.#joinConn!,
          this.#options.groupId,
          this.#options.sessionTimeoutMs,
          this.#options.rebalanceTimeoutMs,
          this.#memberId,
          null,
          this.#options.protocol.type,
          protocols,
          null,
        );
        break;
      } catch (err) {
        // KIP-394: the first join returns the member id to use.
        if (groupErrorId(err) === 'MEMBER_ID_REQUIRED') {
          const id = responseMemberId(err);
          if (!id) throw err;
          this.#memberId = id;
          continue;
        }
        throw err;
      }
    }
    this.#memberId = join.memberId ?? this.#memberId;
    this.#generation = join.generationId;
    this.#leaderId = join.leader;
    const protocolName = join.protocolName ?? protocols[0]!.name;
    const assignments = this.isLeader
      ? await this.#options.protocol.assign(
          this.#memberId,
          this.#generation,
          protocolName,
          join.members.map((m) => ({ memberId: m.memberId, metadata: m.metadata ?? Buffer.alloc(0) })),
        )
      : [];
    const sync = await syncGroupV5.api.async(
      this.#joinConn!,
      this.#options.groupId,
      this.#generation,
      this.#memberId,
      null,
      this.#options.protocol.type,
      protocolName,
      assignments,
    );
    await this.#options.onAssigned(sync.assignment, this.#generation, this.#memberId, protocolName);
  }

  #startHeartbeats(): void {
    this.#stopHeartbeats();
    const beat = async (): Promise<void> => {
      if (!this.#running || this.#rejoinRequested || !this.#hbConn) return;
      try {
        await heartbeatV4.api.async(this.#hbConn, this.#options.groupId, this.#generation, this.#memberId, null);
      } catch (err) {
        const id = groupErrorId(err);
        if (id === 'REBALANCE_IN_PROGRESS' || id === 'ILLEGAL_GENERATION' || id === 'UNKNOWN_MEMBER_ID') {
          if (id === 'UNKNOWN_MEMBER_ID') this.#memberId = '';
          this.requestRejoin();
          return;
        }
        this.#options.logger.warn({ err: errorText(err) }, 'heartbeat failed');
        if (id === 'NOT_COORDINATOR' || id === 'COORDINATOR_NOT_AVAILABLE' || id === 'OTHER') {
          await this.#closeConnections();
          this.requestRejoin();
          return;
        }
      }
      if (this.#running && !this.#rejoinRequested)
        this.#hbTimer = setTimeout(() => void beat(), this.#options.heartbeatIntervalMs);
    };
    this.#hbTimer = setTimeout(() => void beat(), this.#options.heartbeatIntervalMs);
  }

  #stopHeartbeats(): void {
    if (this.#hbTimer) clearTimeout(this.#hbTimer);
    this.#hbTimer = null;
  }

  /**
   * Commits offsets as this member of its current generation (OffsetCommit). The coordinator takes
   * them while the group prepares a rebalance, which is when a member commits before rejoining.
   */
  async commitOffsets(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const conn = this.#hbConn;
    if (!conn || this.#generation < 0) throw new Error(`not a member of group ${this.#options.groupId}`);
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint }>>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset) });
      byTopic.set(o.topic, list);
    }
    await offsetCommitV8.api.async(
      conn,
      this.#options.groupId,
      this.#generation,
      this.#memberId,
      null,
      [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((p) => ({ ...p, committedLeaderEpoch: -1, committedMetadata: '' })),
      })),
    );
  }

  /** The group's committed offsets for the partitions (absent where none was committed). */
  async committedOffsets(
    partitions: ReadonlyArray<{ topic: string; partition: number }>,
  ): Promise<Map<string, Map<number, number>>> {
    const conn = this.#hbConn;
    if (!conn) throw new Error(`not connected to the coordinator of group ${this.#options.groupId}`);
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const res = await offsetFetchV8.api.async(
      conn,
      [
        {
          groupId: this.#options.groupId,
          memberEpoch: -1,
          topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        },
      ],
      // Wait for offsets still being committed in a transaction, so a new owner never starts before them.
      true,
    );
    const out = new Map<string, Map<number, number>>();
    for (const g of res.groups)
      for (const t of g.topics)
        for (const p of t.partitions) {
          if (p.committedOffset < 0n) continue;
          const m = out.get(t.name) ?? new Map<number, number>();
          m.set(p.partitionIndex, Number(p.committedOffset));
          out.set(t.name, m);
        }
    return out;
  }

  /** Leaves the group so the others rebalance at once instead of after the session timeout. */
  async stop(reason = 'shutting down'): Promise<void> {
    this.#running = false;
    this.#stopHeartbeats();
    const w = this.#wake;
    this.#wake = null;
    w?.();
    // A join still in flight ends with its connection; the member id it got must still leave, or the
    // coordinator keeps the member (and gives it work) until its session times out.
    await this.#closeConnections();
    await this.#loop?.catch(() => undefined);
    if (this.#memberId && this.#coordinator) {
      const conn = new Connection(`${this.#options.clientId}-leave`, { requestTimeout: 10_000 });
      try {
        await conn.connect(this.#coordinator.host, this.#coordinator.port);
        await leaveGroupV5.api.async(conn, this.#options.groupId, [
          { memberId: this.#memberId, groupInstanceId: null, reason },
        ]);
      } catch (e) {
        this.#options.logger.warn({ err: errorText(e) }, 'leave group failed');
      } finally {
        await conn.close().catch(() => undefined);
      }
    }
  }
}
