import { describe, expect, it } from 'vitest';
import { type AssignorState, assign, type MemberInfo, recordLost, taskId, type WorkerLoad } from './assignor.js';

const tasks = (c: string, n: number): string[] => Array.from({ length: n }, (_, i) => taskId(c, i));
const member = (id: string, owned: Partial<WorkerLoad> = {}): MemberInfo => ({
  memberId: id,
  url: `http://${id}:8083/`,
  configOffset: 10,
  owned: { connectors: owned.connectors ?? [], tasks: owned.tasks ?? [] },
});

function run(
  members: MemberInfo[],
  connectors: string[],
  all: string[],
  state: AssignorState = { lost: new Map() },
  now = 1000,
  maxDelayMs = 0,
) {
  return assign({
    members,
    leaderId: members[0]!.memberId,
    configOffset: 10,
    connectors,
    tasks: all,
    now,
    maxDelayMs,
    state,
  });
}

/** Applies a round: members keep assigned minus revoked. */
function apply(members: MemberInfo[], result: ReturnType<typeof run>): MemberInfo[] {
  return members.map((m) => {
    const a = result.get(m.memberId)!;
    return { ...m, owned: { connectors: a.assigned.connectors, tasks: a.assigned.tasks } };
  });
}

describe('incremental cooperative assignor', () => {
  it('spreads 6 tasks and 1 connector over 3 fresh workers evenly', () => {
    const r = run([member('a'), member('b'), member('c')], ['c1'], tasks('c1', 6));
    const counts = [...r.values()].map((a) => a.assigned.tasks.length);
    expect(counts).toEqual([2, 2, 2]);
    expect([...r.values()].flatMap((a) => a.assigned.connectors)).toEqual(['c1']);
    expect(new Set([...r.values()].flatMap((a) => a.assigned.tasks)).size).toBe(6);
  });

  it('moves only what it must when a 4th worker joins, in two rounds, never doubly owned', () => {
    let members = apply(
      [member('a'), member('b'), member('c')],
      run([member('a'), member('b'), member('c')], ['c1'], tasks('c1', 6)),
    );
    const before = new Map(members.map((m) => [m.memberId, new Set(m.owned.tasks)]));
    members = [...members, member('d')];
    const round1 = run(members, ['c1'], tasks('c1', 6));
    const revoked = [...round1.values()].flatMap((a) => a.revoked.tasks);
    expect(revoked).toHaveLength(1);
    // In round 1 nobody is given a task someone else still owns.
    const owners = new Map<string, number>();
    for (const a of round1.values()) for (const t of a.assigned.tasks) owners.set(t, (owners.get(t) ?? 0) + 1);
    expect([...owners.values()].every((n) => n === 1)).toBe(true);
    members = apply(members, round1);
    const round2 = run(members, ['c1'], tasks('c1', 6));
    const final = [...round2.entries()].map(([id, a]) => [id, a.assigned.tasks.length] as const);
    expect(final.map(([, n]) => n).sort()).toEqual([1, 1, 2, 2]);
    // Every task that stayed with its first owner was never revoked.
    for (const [id, a] of round2) {
      for (const t of a.assigned.tasks)
        if (id !== 'd' && !revoked.includes(t)) expect(before.get(id)!.has(t)).toBe(true);
    }
    expect(round2.get('d')!.assigned.tasks).toEqual(revoked);
  });

  it('holds back the work of a departed worker until the delay passes', () => {
    const state: AssignorState = { lost: new Map() };
    const start = run([member('a'), member('b')], ['c1', 'c2'], tasks('c1', 4), state);
    const previous = new Map([...start].map(([id, a]) => [id, a.assigned]));
    const survivors = apply([member('a')], new Map([['a', start.get('a')!]]));
    recordLost(state, previous, new Set(['a']), 2000, 5000);
    const held = run(survivors, ['c1', 'c2'], tasks('c1', 4), state, 2000, 5000);
    expect(held.get('a')!.assigned.tasks).toHaveLength(2);
    expect(held.get('a')!.delayMs).toBe(5000);
    const later = run(apply(survivors, held), ['c1', 'c2'], tasks('c1', 4), state, 7001, 5000);
    expect(later.get('a')!.assigned.tasks).toHaveLength(4);
    expect(later.get('a')!.assigned.connectors.sort()).toEqual(['c1', 'c2']);
    expect(later.get('a')!.delayMs).toBe(0);
  });

  it('assigns lost work at once when the delay is zero', () => {
    const state: AssignorState = { lost: new Map() };
    const start = run([member('a'), member('b'), member('c')], ['c1'], tasks('c1', 6), state);
    const previous = new Map([...start].map(([id, a]) => [id, a.assigned]));
    const survivors = apply(
      [member('a'), member('b')],
      new Map([
        ['a', start.get('a')!],
        ['b', start.get('b')!],
      ]),
    );
    recordLost(state, previous, new Set(['a', 'b']), 2000, 0);
    const r = run(survivors, ['c1'], tasks('c1', 6), state, 2000, 0);
    expect([...r.values()].map((a) => a.assigned.tasks.length)).toEqual([3, 3]);
    expect([...r.values()].flatMap((a) => a.revoked.tasks)).toEqual([]);
  });
});
