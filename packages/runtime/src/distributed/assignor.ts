/**
 * The leader's assignment of connectors and tasks to workers: balanced, sticky and incremental
 * (Kafka Connect's IncrementalCooperativeAssignor, KIP-415, simplified). An item that must move
 * is first revoked from its owner; the owner stops it and rejoins, and the next round assigns it.
 * So no connector or task ever runs on two workers at once, and items that stay are untouched.
 */

export interface WorkerLoad {
  connectors: string[];
  /** Task ids as "<connector>/<n>". */
  tasks: string[];
}

export interface MemberInfo {
  memberId: string;
  url: string;
  configOffset: number;
  /** What the member runs now (its last assignment minus what it was told to revoke). */
  owned: WorkerLoad;
}

export interface MemberAssignment {
  error: number;
  leader: string;
  leaderUrl: string;
  configOffset: number;
  assigned: WorkerLoad;
  revoked: WorkerLoad;
  /** >0 when lost work is held back for this long before it is reassigned. */
  delayMs: number;
}

export interface AssignorState {
  /** Items whose owner left, and when they may be reassigned. */
  lost: Map<string, number>;
}

export interface AssignInput {
  members: MemberInfo[];
  leaderId: string;
  configOffset: number;
  connectors: string[];
  tasks: string[];
  now: number;
  maxDelayMs: number;
  state: AssignorState;
}

export const taskId = (connector: string, task: number): string => `${connector}/${task}`;
export function parseTaskId(id: string): { connector: string; task: number } {
  const i = id.lastIndexOf('/');
  return { connector: id.slice(0, i), task: Number(id.slice(i + 1)) };
}

/**
 * Balances one kind of item (connectors or tasks). Returns per member what it keeps, gains and
 * loses this round, and which unowned items are held back (lost, within the delay).
 */
function balance(
  kind: 'connectors' | 'tasks',
  members: MemberInfo[],
  all: string[],
  now: number,
  _maxDelayMs: number,
  state: AssignorState,
  prefix: string,
): { assigned: Map<string, string[]>; revoked: Map<string, string[]>; delayUntil: number } {
  const allSet = new Set(all);
  const owner = new Map<string, string>();
  const kept = new Map<string, string[]>();
  for (const m of members) {
    kept.set(m.memberId, []);
    for (const item of m.owned[kind]) {
      // An item claimed twice (should not happen) stays with the first claimant only.
      if (allSet.has(item) && !owner.has(item)) {
        owner.set(item, m.memberId);
        kept.get(m.memberId)!.push(item);
      }
    }
  }
  const unowned = all.filter((i) => !owner.has(i));
  // Lost items (owned before by a member that is gone) wait up to maxDelayMs for it to return.
  let delayUntil = 0;
  const ready: string[] = [];
  for (const item of unowned) {
    const key = prefix + item;
    const deadline = state.lost.get(key);
    if (deadline !== undefined && deadline > now) {
      delayUntil = Math.max(delayUntil, deadline);
      continue;
    }
    state.lost.delete(key);
    ready.push(item);
  }
  const n = members.length;
  const total = all.length;
  const base = Math.floor(total / n);
  const extra = total % n;
  // Members that keep the most get the "+1" slots, so balancing moves as little as possible.
  const order = [...members].sort(
    (a, b) => kept.get(b.memberId)!.length - kept.get(a.memberId)!.length || a.memberId.localeCompare(b.memberId),
  );
  const target = new Map<string, number>();
  for (const [i, m] of order.entries()) target.set(m.memberId, base + (i < extra ? 1 : 0));
  const revoked = new Map<string, string[]>();
  for (const m of members) {
    const k = kept.get(m.memberId)!;
    const t = target.get(m.memberId)!;
    if (k.length > t) {
      // Revoke the newest items (highest sort order) so long-running ones tend to stay.
      const sorted = [...k].sort();
      const give = sorted.slice(t);
      revoked.set(m.memberId, give);
      kept.set(
        m.memberId,
        k.filter((x) => !give.includes(x)),
      );
    } else revoked.set(m.memberId, []);
  }
  const assigned = new Map<string, string[]>(members.map((m) => [m.memberId, [...kept.get(m.memberId)!]]));
  for (const item of ready.sort()) {
    // Least loaded member (counting what it keeps) takes the item.
    const m = [...members].sort(
      (a, b) =>
        assigned.get(a.memberId)!.length -
          target.get(a.memberId)! -
          (assigned.get(b.memberId)!.length - target.get(b.memberId)!) ||
        assigned.get(a.memberId)!.length - assigned.get(b.memberId)!.length ||
        a.memberId.localeCompare(b.memberId),
    )[0]!;
    assigned.get(m.memberId)!.push(item);
  }
  return { assigned, revoked, delayUntil };
}

/** Computes every member's assignment for this generation. */
export function assign(input: AssignInput): Map<string, MemberAssignment> {
  const { members, now, state } = input;
  const present = new Set(
    members.flatMap((m) => [...m.owned.connectors.map((c) => `c:${c}`), ...m.owned.tasks.map((t) => `t:${t}`)]),
  );
  // Anything the previous generation assigned but no current member owns is lost (its worker left).
  for (const key of state.lost.keys()) if (present.has(key)) state.lost.delete(key);
  const leader = members.find((m) => m.memberId === input.leaderId);
  const c = balance('connectors', members, input.connectors, now, input.maxDelayMs, state, 'c:');
  const t = balance('tasks', members, input.tasks, now, input.maxDelayMs, state, 't:');
  const delayUntil = Math.max(c.delayUntil, t.delayUntil);
  const out = new Map<string, MemberAssignment>();
  for (const m of members) {
    out.set(m.memberId, {
      error: 0,
      leader: input.leaderId,
      leaderUrl: leader?.url ?? '',
      configOffset: input.configOffset,
      assigned: { connectors: c.assigned.get(m.memberId) ?? [], tasks: t.assigned.get(m.memberId) ?? [] },
      revoked: { connectors: c.revoked.get(m.memberId) ?? [], tasks: t.revoked.get(m.memberId) ?? [] },
      delayMs: delayUntil > now ? delayUntil - now : 0,
    });
  }
  return out;
}

/** Marks what the previous generation's assignment gave to members that are no longer present. */
export function recordLost(
  state: AssignorState,
  previous: Map<string, WorkerLoad>,
  currentMembers: Set<string>,
  now: number,
  maxDelayMs: number,
): void {
  for (const [member, load] of previous) {
    if (currentMembers.has(member)) continue;
    for (const c of load.connectors) if (!state.lost.has(`c:${c}`)) state.lost.set(`c:${c}`, now + maxDelayMs);
    for (const t of load.tasks) if (!state.lost.has(`t:${t}`)) state.lost.set(`t:${t}`, now + maxDelayMs);
  }
}
