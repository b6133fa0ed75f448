/** The distributed herder: group membership, the leader's task assignment and forwarding of writes (Kafka Connect's DistributedHerder). */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { createProducer } from '../kafka/producer.js';
import { ConfigException } from '@tributary/api';
import { ConnectRestException, ForbiddenError, NotFoundError, RebalanceNeededError } from '../rest-errors.js';
import { type HerderOptions, WorkerHerder } from '../herder.js';
import type {
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  ConnectorTaskId,
  PutConfigResult,
  RestartRequest,
  TargetState,
} from '../herder-api.js';
import { errorText } from '../util/error-text.js';
import {
  type AssignorState,
  assign,
  type MemberAssignment,
  type MemberInfo,
  parseTaskId,
  recordLost,
  taskId,
  type WorkerLoad,
} from './assignor.js';
import { WorkerGroupMember } from './group-member.js';
import { InterWorkerClient } from './rest-client.js';

export interface DistributedHerderOptions extends HerderOptions {
  groupId: string;
  /** This worker's advertised REST URL (others forward requests here). */
  url: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  scheduledRebalanceMaxDelayMs: number;
  clientId: string;
  /** Requests to other workers (http or https with the worker's TLS keys). Default: plain, Node's default CAs. */
  restClient?: InterWorkerClient;
  /** How old a signed internal request may be before it is refused as a replay. Default 60 s. */
  internalRequestMaxAgeMs?: number;
}

const SIGNATURE_ALGORITHM = 'HmacSHA256';
const SESSION_KEY_TTL_MS = 60 * 60 * 1000;
/** How long a write waits for a rebalance in progress before answering 409. */
const REBALANCE_WAIT_MS = 3000;

/** The header that carries the time an internal request was signed at (ms since the epoch). */
export const REQUEST_TIMESTAMP_HEADER = 'X-Tributary-Request-Timestamp';
const DEFAULT_INTERNAL_REQUEST_MAX_AGE_MS = 60_000;

/**
 * Signs an internal request with the cluster's session key (X-Connect-Authorization). Kafka Connect signs the body
 * alone, so a captured request can be replayed for as long as the key lives; the signed data here also holds the
 * time it was signed at and the connector it is for, so a copy is refused once it is older than the window, and
 * never accepted for another connector.
 */
export function signRequest(key: string, body: string, timestamp: string, connector: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64'))
    .update(`tributary-v1\n${timestamp}\n${JSON.stringify(connector)}\n${body}`)
    .digest('base64');
}

/**
 * The distributed herder: workers sharing a group.id form a cluster through Kafka's group
 * protocol; the leader assigns connectors and tasks (balanced, sticky, incremental) and is the
 * only writer of the config topic. Any worker accepts every REST call and forwards writes to the
 * leader; while a rebalance is in progress, writes answer 409 instead of hanging.
 */
export class DistributedHerder extends WorkerHerder {
  readonly #options: DistributedHerderOptions;
  readonly #member: WorkerGroupMember;
  #rebalancing = true;
  #leaderUrl = '';
  #owned: WorkerLoad = { connectors: [], tasks: [] };
  readonly #lastAssignments = new Map<string, WorkerLoad>();
  readonly #assignorState: AssignorState = { lost: new Map() };
  #delayTimer: NodeJS.Timeout | null = null;
  readonly #log;
  readonly #client: InterWorkerClient;
  /** Signatures of internal requests accepted within the replay window, with when they expire. */
  readonly #seenSignatures = new Map<string, number>();
  /** Rebalance and assignment timings for the rebalance metrics. */
  readonly rebalanceStats = { completed: 0, lastStartedAt: 0, lastDurationMs: 0, totalDurationMs: 0 };

  constructor(o: DistributedHerderOptions) {
    super(o);
    this.#options = o;
    this.#client = o.restClient ?? new InterWorkerClient(null);
    this.#log = o.loggers.get('tributary.distributed', { worker_id: o.worker.opts.workerId });
    this.#member = new WorkerGroupMember({
      bootstrapServers: o.bootstrapServers,
      clientId: o.clientId,
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      logger: this.#log,
      metadata: () => ({ url: o.url, configOffset: o.configStore.snapshot().offset, owned: this.#owned }),
      assign: (leaderId, generation, members) => this.#assign(leaderId, generation, members),
      onAssigned: (a, generation) => this.#onAssigned(a, generation),
      onRebalanceStart: () => {
        this.#rebalancing = true;
        this.rebalanceStats.lastStartedAt = Date.now();
      },
    });
    o.configStore.onChange((change) => {
      // New or removed connectors and changed task counts need a new assignment from the leader.
      if (!this.isLeader()) {
        if (change.kind === 'restart') void this.#handleRestartRecord(change.name);
        return;
      }
      if (change.kind === 'connector' || change.kind === 'tasks') this.#member.requestRejoin();
      if (change.kind === 'restart') void this.#handleRestartRecord(change.name);
    });
  }

  override async start(): Promise<void> {
    await super.start();
    this.#member.start();
  }

  override async stop(): Promise<void> {
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    await this.#member.stop();
    await super.stop();
    this.#client.close();
  }

  get leaderUrl(): string {
    return this.#leaderUrl;
  }
  get generation(): number {
    return this.#member.generation;
  }
  get rebalancing(): boolean {
    return this.#rebalancing;
  }

  protected override leaderWorkerId(): string | null {
    if (!this.#leaderUrl) return null;
    // Worker ids are the host:port of the advertised URL (connect.ts), which is what leaderUrl carries.
    const u = new URL(this.#leaderUrl);
    return `${u.hostname}:${u.port}`;
  }

  protected override isConnectorAssigned(name: string): boolean {
    return this.#owned.connectors.includes(name);
  }
  protected override isTaskAssigned(id: ConnectorTaskId): boolean {
    return this.#owned.tasks.includes(taskId(id.connector, id.task));
  }
  protected override isLeader(): boolean {
    return this.#member.isLeader;
  }

  async #assign(leaderId: string, generation: number, members: MemberInfo[]): Promise<Map<string, MemberAssignment>> {
    const store = this.#options.configStore;
    await store.refresh();
    await this.#ensureSessionKey();
    const snap = store.snapshot();
    const connectors = [...snap.connectors.keys()].sort();
    const tasks: string[] = [];
    for (const c of connectors) for (const i of (snap.taskConfigs.get(c) ?? []).keys()) tasks.push(taskId(c, i));
    const now = Date.now();
    recordLost(
      this.#assignorState,
      this.#lastAssignments,
      new Set(members.map((m) => m.memberId)),
      now,
      this.#options.scheduledRebalanceMaxDelayMs,
    );
    const result = assign({
      members,
      leaderId,
      configOffset: snap.offset,
      connectors,
      tasks,
      now,
      maxDelayMs: this.#options.scheduledRebalanceMaxDelayMs,
      state: this.#assignorState,
    });
    this.#lastAssignments.clear();
    for (const [m, a] of result) this.#lastAssignments.set(m, a.assigned);
    this.#log.info(
      { generation, members: members.length, connectors: connectors.length, tasks: tasks.length },
      'computed assignment',
    );
    return result;
  }

  async #ensureSessionKey(): Promise<void> {
    const snap = this.#options.configStore.snapshot();
    const k = snap.sessionKey;
    if (k && Date.now() - k.creationTimestamp < SESSION_KEY_TTL_MS) return;
    await this.#options.configStore.putSessionKey({
      key: randomBytes(32).toString('base64'),
      algorithm: SIGNATURE_ALGORITHM,
      creationTimestamp: Date.now(),
    });
  }

  async #onAssigned(a: MemberAssignment, generation: number): Promise<void> {
    const newGeneration = this.#options.worker.generation !== generation;
    this.#options.worker.generation = generation;
    this.#leaderUrl = a.leaderUrl;
    const revoked = a.revoked ?? { connectors: [], tasks: [] };
    const hadRevocations = revoked.connectors.length + revoked.tasks.length > 0;
    const before = new Set([...this.#owned.connectors.map((c) => `c:${c}`), ...this.#owned.tasks.map((t) => `t:${t}`)]);
    this.#owned = { connectors: [...a.assigned.connectors], tasks: [...a.assigned.tasks] };
    // Read the config topic at least as far as the leader did when it assigned.
    const deadline = Date.now() + 30_000;
    while (this.#options.configStore.snapshot().offset < a.configOffset && Date.now() < deadline)
      await this.#options.configStore.refresh();
    const fresh = a.assigned.connectors.filter((c) => !before.has(`c:${c}`));
    this.#rebalancing = false;
    this.rebalanceStats.completed++;
    if (this.rebalanceStats.lastStartedAt) {
      this.rebalanceStats.lastDurationMs = Date.now() - this.rebalanceStats.lastStartedAt;
      this.rebalanceStats.totalDurationMs += this.rebalanceStats.lastDurationMs;
    }
    // Stop what moved away (and start what arrived) before anyone may take it over.
    await this.serially(async () => undefined);
    this.requestReconcile(fresh);
    // Status writes of the old generation that never landed are dropped; write what runs here again.
    if (newGeneration) void this.serially(async () => this.worker.republishStatuses());
    if (hadRevocations) {
      // The revoked work must be stopped before the next round hands it to someone else.
      await this.serially(async () => undefined);
      await this.#waitForStopped(revoked);
      this.#member.requestRejoin();
    }
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    if (a.delayMs > 0 && this.isLeader()) {
      this.#delayTimer = setTimeout(() => this.#member.requestRejoin(), a.delayMs + 50);
      this.#delayTimer.unref();
    }
  }

  async #waitForStopped(revoked: WorkerLoad): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const running =
        this.worker.taskIds().some((id) => revoked.tasks.includes(taskId(id.connector, id.task))) ||
        this.worker.connectorNames().some((c) => revoked.connectors.includes(c));
      if (!running) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ------------------------------------------------------------------ forwarding

  /**
   * The leader writes whenever it is asked (it is the config topic's only writer). A follower can
   * forward only once it knows the leader: during a rebalance it waits a moment (a join usually
   * completes within a second or two, e.g. right after the worker starts) and then answers 409.
   */
  async #requireStable(): Promise<void> {
    const deadline = Date.now() + REBALANCE_WAIT_MS;
    while (!this.isLeader() && (this.#rebalancing || !this.#leaderUrl) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.isLeader()) return;
    if (this.#rebalancing) throw new RebalanceNeededError();
    if (!this.#leaderUrl) {
      throw new RebalanceNeededError(
        'Cannot complete request because the leader is unknown (typically caused by a worker rebalance)',
      );
    }
  }

  async #forward<T>(method: string, path: string, body?: unknown, target = this.#leaderUrl): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), target.endsWith('/') ? target : `${target}/`);
    let res: { status: number; text: string };
    try {
      res = await this.#client.request(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: 90_000,
      });
    } catch (err) {
      throw new ConnectRestException(500, `Error trying to forward REST request: ${errorText(err)}`);
    }
    const text = res.text;
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // A 401 of the basic-auth filter is plain text; its status is what the caller needs.
      parsed = { message: text };
    }
    if (res.status < 200 || res.status >= 300) {
      const msg = (parsed as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
      throw new ConnectRestException(res.status, msg);
    }
    return parsed as T;
  }

  /** Another worker's URL from its id (host:port), with the scheme this cluster's workers advertise. */
  #workerUrl(workerId: string): string {
    return `${new URL(this.#options.url).protocol}//${workerId}/`;
  }

  #enc(name: string): string {
    return encodeURIComponent(name);
  }

  override async putConnectorConfig(
    name: string,
    config: Record<string, string>,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<PutConfigResult> {
    await this.#requireStable();
    if (this.isLeader()) return super.putConnectorConfig(name, config, options);
    if (!options.allowReplace) {
      // The REST API names target states RUNNING/PAUSED/STOPPED.
      const initial = options.initialState === 'STARTED' ? 'RUNNING' : options.initialState;
      const info = await this.#forward<ConnectorInfo>('POST', '/connectors', {
        name,
        config,
        ...(initial ? { initial_state: initial } : {}),
      });
      return { created: true, info };
    }
    const before = (await this.connectors()).includes(name.trim());
    const info = await this.#forward<ConnectorInfo>('PUT', `/connectors/${this.#enc(name)}/config`, config);
    return { created: !before, info };
  }

  override async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    await this.#requireStable();
    if (this.isLeader()) return super.patchConnectorConfig(name, patch);
    return this.#forward<ConnectorInfo>('PATCH', `/connectors/${this.#enc(name)}/config`, patch);
  }

  override async deleteConnector(name: string): Promise<void> {
    await this.#requireStable();
    if (this.isLeader()) return super.deleteConnector(name);
    await this.#forward('DELETE', `/connectors/${this.#enc(name)}`);
  }

  override async pauseConnector(name: string): Promise<void> {
    await this.#requireStable();
    if (this.isLeader()) return super.pauseConnector(name);
    await this.#forward('PUT', `/connectors/${this.#enc(name)}/pause`);
  }

  override async resumeConnector(name: string): Promise<void> {
    await this.#requireStable();
    if (this.isLeader()) return super.resumeConnector(name);
    await this.#forward('PUT', `/connectors/${this.#enc(name)}/resume`);
  }

  override async stopConnector(name: string): Promise<void> {
    await this.#requireStable();
    if (this.isLeader()) return super.stopConnector(name);
    await this.#forward('PUT', `/connectors/${this.#enc(name)}/stop`);
  }

  override async alterConnectorOffsets(name: string, offsets: ConnectorOffset[]): Promise<{ message: string }> {
    await this.#requireStable();
    if (this.isLeader()) return super.alterConnectorOffsets(name, offsets);
    return this.#forward('PATCH', `/connectors/${this.#enc(name)}/offsets`, { offsets });
  }

  override async resetConnectorOffsets(name: string): Promise<{ message: string }> {
    await this.#requireStable();
    if (this.isLeader()) return super.resetConnectorOffsets(name);
    return this.#forward('DELETE', `/connectors/${this.#enc(name)}/offsets`);
  }

  /**
   * As Kafka Connect's DistributedHerder: a plain restart is done by the worker that owns the connector (this one, or
   * the owner it is forwarded to) and writes nothing to the config topic; a restart with includeTasks or onlyFailed
   * goes through the config topic (restart-connector-<c>) so the worker that owns each connector and task restarts its
   * own, and the leader answers with the RESTARTING view.
   */
  override async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    await this.#requireStable();
    if (!this.#options.configStore.snapshot().connectors.has(name))
      throw new NotFoundError(`Unknown connector: ${name}`);
    const plain = !request.includeTasks && !request.onlyFailed;
    if (plain) {
      const owner = (await this.connectorStatus(name)).connector.worker_id;
      // Not ours and owned by another worker: that worker restarts it; otherwise (ours, or owned by nobody yet) here.
      if (this.isConnectorAssigned(name) || !owner || owner === this.worker.opts.workerId)
        return super.restartConnector(name, request);
      await this.#forward('POST', `/connectors/${this.#enc(name)}/restart`, undefined, this.#workerUrl(owner));
      return null;
    }
    if (!this.isLeader()) {
      const qs = `includeTasks=${request.includeTasks}&onlyFailed=${request.onlyFailed}`;
      return this.#forward<ConnectorStateInfo | null>('POST', `/connectors/${this.#enc(name)}/restart?${qs}`);
    }
    const status = await this.connectorStatus(name);
    const restartConnector = !request.onlyFailed || status.connector.state === 'FAILED';
    const restartTasks = request.includeTasks
      ? status.tasks.filter((t) => !request.onlyFailed || t.state === 'FAILED').map((t) => t.id)
      : [];
    await this.markRestarting(name, restartConnector, restartTasks);
    await this.serially(() => this.#options.configStore.putRestartRequest(name, request));
    return {
      ...status,
      connector: restartConnector ? { ...status.connector, state: 'RESTARTING' } : status.connector,
      tasks: status.tasks.map((t) => (restartTasks.includes(t.id) ? { ...t, state: 'RESTARTING' as const } : t)),
    };
  }

  async #handleRestartRecord(name: string): Promise<void> {
    const req = this.#options.configStore.snapshot().restartRequests.get(name);
    if (!req) return;
    try {
      // The base class restarts only what this worker owns.
      await super.restartConnector(name, req);
    } catch (err) {
      this.#log.warn({ connector: name, err: errorText(err) }, 'restart request failed');
    }
  }

  override async restartTask(name: string, task: number): Promise<void> {
    await this.#requireStable();
    const snap = this.#options.configStore.snapshot();
    if (!snap.connectors.has(name)) throw new NotFoundError(`Unknown connector: ${name}`);
    const configs = snap.taskConfigs.get(name)?.length ?? 0;
    if (task < 0 || task >= configs) throw new NotFoundError(`Unknown task: ${name}-${task}`);
    if (this.isTaskAssigned({ connector: name, task })) return super.restartTask(name, task);
    const owner = (await this.taskStatus(name, task)).worker_id;
    const target = owner && owner !== this.worker.opts.workerId ? this.#workerUrl(owner) : this.#leaderUrl;
    await this.#forward('POST', `/connectors/${this.#enc(name)}/tasks/${task}/restart`, undefined, target);
  }

  // ------------------------------------------------------------- task configs from followers

  protected override async writeTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    if (this.isLeader()) {
      await this.#fenceZombies(name);
      await this.#options.configStore.putTaskConfigs(name, configs);
      return;
    }
    const key = this.#options.configStore.snapshot().sessionKey;
    if (!key)
      throw new RebalanceNeededError('No session key yet; task configs will be sent once the leader has written one');
    const body = JSON.stringify(configs);
    const url = new URL(
      `connectors/${this.#enc(name)}/tasks`,
      this.#leaderUrl.endsWith('/') ? this.#leaderUrl : `${this.#leaderUrl}/`,
    );
    const timestamp = String(Date.now());
    const res = await this.#client.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Connect-Authorization': signRequest(key.key, body, timestamp, name),
        'X-Connect-Request-Signature-Algorithm': SIGNATURE_ALGORITHM,
        [REQUEST_TIMESTAMP_HEADER]: timestamp,
      },
      body,
      timeoutMs: 30_000,
    });
    if (res.status < 200 || res.status >= 300)
      throw new ConnectRestException(res.status, `leader refused task configs: ${res.text}`);
  }

  /**
   * Exactly-once source (KIP-618): before a new generation of a source connector's task configs is
   * written, the leader fences every transactional id of the current generation (InitProducerId
   * bumps the epoch and aborts what was open), so no zombie task of it can commit afterwards —
   * including task ids that the new generation no longer has.
   */
  async #fenceZombies(name: string): Promise<void> {
    const eos = this.worker.opts.exactlyOnceSource;
    if (!eos) return;
    const snap = this.#options.configStore.snapshot();
    const config = snap.connectors.get(name);
    if (!config || this.#options.plugins.find(config['connector.class'] ?? '')?.descriptor.kind !== 'source') return;
    const count = snap.taskConfigs.get(name)?.length ?? 0;
    for (let task = 0; task < count; task++) {
      const producer = createProducer({
        clientId: `${this.#options.clientId}-fence`,
        bootstrapBrokers: this.#options.bootstrapServers,
        idempotent: true,
        transactionalId: `${eos.groupId}-${name}-${task}`,
        producerId: -1n,
        producerEpoch: -1,
      });
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            // InitProducerId (run by the first beginTransaction) is the fence; the empty local
            // transaction is only closed again (the broker may answer INVALID_TXN_STATE to it).
            const tx = await producer.beginTransaction();
            await tx.abort().catch(() => undefined);
            break;
          } catch (err) {
            if (
              !/CONCURRENT_TRANSACTIONS|COORDINATOR_LOAD_IN_PROGRESS|NOT_COORDINATOR|COORDINATOR_NOT_AVAILABLE/.test(
                errorText(err),
              ) ||
              Date.now() > deadline
            )
              throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      } finally {
        await producer.close().catch(() => undefined);
      }
    }
    if (count > 0)
      this.#log.info({ connector: name, tasks: count }, 'fenced the previous generation of transactional source tasks');
  }

  /** The internal endpoint's handler: verifies the HMAC and writes the task configs (leader only). */
  override async putTaskConfigsFromWorker(
    name: string,
    configs: Record<string, string>[],
    auth: { signature: string | null; algorithm: string | null; body: string; timestamp?: string | null },
  ): Promise<void> {
    const key = this.#options.configStore.snapshot().sessionKey;
    if (!auth.signature || !auth.algorithm)
      throw new ConnectRestException(400, 'Internal request missing required header X-Connect-Authorization');
    if (auth.algorithm !== SIGNATURE_ALGORITHM)
      throw new ConnectRestException(400, `Unsupported signature algorithm ${auth.algorithm}`);
    const timestamp = auth.timestamp ?? '';
    if (!/^\d{1,15}$/.test(timestamp))
      throw new ConnectRestException(400, `Internal request missing required header ${REQUEST_TIMESTAMP_HEADER}`);
    const expected = key ? Buffer.from(signRequest(key.key, auth.body, timestamp, name)) : Buffer.alloc(0);
    const given = Buffer.from(auth.signature);
    if (!key || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new ForbiddenError('Internal request contained invalid signature.');
    }
    const now = Date.now();
    const maxAge = this.#options.internalRequestMaxAgeMs ?? DEFAULT_INTERNAL_REQUEST_MAX_AGE_MS;
    if (Math.abs(now - Number(timestamp)) > maxAge) {
      throw new ForbiddenError(
        `Internal request was signed at ${timestamp}, more than ${maxAge} ms from now; refused as a possible replay`,
      );
    }
    for (const [sig, expires] of this.#seenSignatures) if (expires < now) this.#seenSignatures.delete(sig);
    if (this.#seenSignatures.has(auth.signature))
      throw new ForbiddenError('Internal request was already accepted once; refused as a replay');
    if (!this.isLeader()) {
      throw new RebalanceNeededError('Cannot complete request because this worker is not the leader');
    }
    if (!this.#options.configStore.snapshot().connectors.has(name))
      throw new NotFoundError(`Unknown connector: ${name}`);
    if (!Array.isArray(configs)) throw new ConfigException('task configs must be an array');
    this.#seenSignatures.set(auth.signature, now + 2 * maxAge);
    await this.serially(async () => {
      await this.#fenceZombies(name);
      await this.#options.configStore.putTaskConfigs(name, configs);
    });
  }
}

export { parseTaskId };
