import { Admin, Connection, heartbeatV4, joinGroupV9, leaveGroupV5, syncGroupV5 } from '@platformatic/kafka';
import type { Logger } from '@tributary/api';
import { errorText } from '../kafka/reader.js';
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

function apiId(err: unknown): string {
  const t = errorText(err);
  for (const id of [
    'MEMBER_ID_REQUIRED',
    'UNKNOWN_MEMBER_ID',
    'REBALANCE_IN_PROGRESS',
    'ILLEGAL_GENERATION',
    'NOT_COORDINATOR',
    'COORDINATOR_NOT_AVAILABLE',
    'COORDINATOR_LOAD_IN_PROGRESS',
    'FENCED_INSTANCE_ID',
  ]) {
    if (t.includes(id)) return id;
  }
  return 'OTHER';
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
 * One worker's membership in the Connect group over Kafka's group protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup with protocol type "connect"), as WorkerGroupMember: member metadata
 * carries the worker's REST URL, config offset and current work; the leader's assignment reaches
 * each member in SyncGroup.
 */
export class WorkerGroupMember {
  readonly #o: GroupMemberOptions;
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

  constructor(o: GroupMemberOptions) {
    this.#o = o;
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

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Asks for a new generation (e.g. after revoking work, or when lost work may now be reassigned). */
  requestRejoin(): void {
    this.#rejoinRequested = true;
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async #findCoordinator(): Promise<{ host: string; port: number }> {
    const admin = new Admin({
      clientId: `${this.#o.clientId}-coord`,
      bootstrapBrokers: this.#o.bootstrapServers,
      retries: 3,
    });
    try {
      const res = await admin.findCoordinator({ keys: [this.#o.groupId], keyType: 0 });
      const c = res[0] as unknown as { host?: string; port?: number; nodeId?: number; errorCode?: number } | undefined;
      if (!c?.host || !c.port) throw new Error(`no coordinator for group ${this.#o.groupId}`);
      return { host: c.host, port: c.port };
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async #connect(): Promise<void> {
    await this.#closeConnections();
    this.#coordinator = await this.#findCoordinator();
    this.#joinConn = new Connection(`${this.#o.clientId}-group`, { requestTimeout: this.#o.rebalanceTimeoutMs + 5000 });
    this.#hbConn = new Connection(`${this.#o.clientId}-heartbeat`, { requestTimeout: this.#o.sessionTimeoutMs });
    await this.#joinConn.connect(this.#coordinator.host, this.#coordinator.port);
    await this.#hbConn.connect(this.#coordinator.host, this.#coordinator.port);
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
        if (!this.#joinConn) await this.#connect();
        this.#rejoinRequested = false;
        this.#stopHeartbeats();
        this.#o.onRebalanceStart();
        await this.#joinAndSync();
        backoff = 200;
        this.#startHeartbeats();
      } catch (err) {
        const id = apiId(err);
        this.#rejoinRequested = true;
        if (!this.#running) return;
        if (id === 'UNKNOWN_MEMBER_ID' || id === 'ILLEGAL_GENERATION')
          this.#memberId = id === 'UNKNOWN_MEMBER_ID' ? '' : this.#memberId;
        if (id === 'REBALANCE_IN_PROGRESS') continue;
        if (id === 'NOT_COORDINATOR' || id === 'COORDINATOR_NOT_AVAILABLE' || id === 'OTHER')
          await this.#closeConnections();
        this.#o.logger.warn({ err: errorText(err), backoffMs: backoff }, 'group membership error; rejoining');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  async #joinAndSync(): Promise<void> {
    const md = this.#o.metadata();
    const metadata = Buffer.from(JSON.stringify(md));
    let join: Awaited<ReturnType<typeof joinGroupV9.api.async>>;
    for (;;) {
      try {
        join = await joinGroupV9.api.async(
          this.#joinConn!,
          this.#o.groupId,
          this.#o.sessionTimeoutMs,
          this.#o.rebalanceTimeoutMs,
          this.#memberId,
          null,
          PROTOCOL_TYPE,
          [{ name: PROTOCOL_NAME, metadata }],
          null,
        );
        break;
      } catch (err) {
        // KIP-394: the first join returns the member id to use.
        if (apiId(err) === 'MEMBER_ID_REQUIRED') {
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
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (this.isLeader) {
      const members: MemberInfo[] = join.members.map((m) => {
        const parsed = JSON.parse((m.metadata ?? Buffer.from('{}')).toString('utf8')) as Omit<MemberInfo, 'memberId'>;
        return {
          memberId: m.memberId,
          url: parsed.url,
          configOffset: parsed.configOffset ?? -1,
          owned: parsed.owned ?? { connectors: [], tasks: [] },
        };
      });
      const result = await this.#o.assign(this.#memberId, this.#generation, members);
      assignments = [...result].map(([memberId, a]) => ({ memberId, assignment: Buffer.from(JSON.stringify(a)) }));
    }
    const sync = await syncGroupV5.api.async(
      this.#joinConn!,
      this.#o.groupId,
      this.#generation,
      this.#memberId,
      null,
      PROTOCOL_TYPE,
      PROTOCOL_NAME,
      assignments,
    );
    const mine = JSON.parse(sync.assignment.toString('utf8') || '{}') as MemberAssignment;
    this.#o.logger.info(
      {
        generation: this.#generation,
        leader: this.isLeader,
        connectors: mine.assigned?.connectors.length ?? 0,
        tasks: mine.assigned?.tasks.length ?? 0,
        revokedConnectors: mine.revoked?.connectors.length ?? 0,
        revokedTasks: mine.revoked?.tasks.length ?? 0,
        delayMs: mine.delayMs ?? 0,
      },
      'joined group',
    );
    await this.#o.onAssigned(mine, this.#generation, this.#memberId);
  }

  #startHeartbeats(): void {
    this.#stopHeartbeats();
    const beat = async (): Promise<void> => {
      if (!this.#running || this.#rejoinRequested || !this.#hbConn) return;
      try {
        await heartbeatV4.api.async(this.#hbConn, this.#o.groupId, this.#generation, this.#memberId, null);
      } catch (err) {
        const id = apiId(err);
        if (id === 'REBALANCE_IN_PROGRESS' || id === 'ILLEGAL_GENERATION' || id === 'UNKNOWN_MEMBER_ID') {
          if (id === 'UNKNOWN_MEMBER_ID') this.#memberId = '';
          this.requestRejoin();
          return;
        }
        this.#o.logger.warn({ err: errorText(err) }, 'heartbeat failed');
        if (id === 'NOT_COORDINATOR' || id === 'COORDINATOR_NOT_AVAILABLE' || id === 'OTHER') {
          await this.#closeConnections();
          this.requestRejoin();
          return;
        }
      }
      if (this.#running && !this.#rejoinRequested)
        this.#hbTimer = setTimeout(() => void beat(), this.#o.heartbeatIntervalMs);
    };
    this.#hbTimer = setTimeout(() => void beat(), this.#o.heartbeatIntervalMs);
  }

  #stopHeartbeats(): void {
    if (this.#hbTimer) clearTimeout(this.#hbTimer);
    this.#hbTimer = null;
  }

  /** Leaves the group so the others rebalance at once instead of after the session timeout. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopHeartbeats();
    const w = this.#wake;
    this.#wake = null;
    w?.();
    if (this.#memberId && this.#hbConn) {
      await leaveGroupV5.api
        .async(this.#hbConn, this.#o.groupId, [
          { memberId: this.#memberId, groupInstanceId: null, reason: 'worker shutting down' },
        ])
        .catch((e: unknown) => this.#o.logger.warn({ err: errorText(e) }, 'leave group failed'));
    }
    await this.#closeConnections();
    await this.#loop?.catch(() => undefined);
  }
}
