import { describe, expect, it } from 'vitest';
import { consumerGroupProtocol, decodeAssignment, RANGE_ASSIGNOR, rangeAssign } from './consumer-protocol.js';

describe('the sink consumer group protocol', () => {
  it('assigns as Java RangeAssignor: per topic, contiguous ranges in member id order, the first ones one more', () => {
    // RangeAssignor's javadoc example: C0 and C1 on t0 and t1 with 3 partitions each.
    const a = rangeAssign(
      [
        { memberId: 'C1', topics: ['t0', 't1'] },
        { memberId: 'C0', topics: ['t0', 't1'] },
      ],
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    expect(a.get('C0')).toEqual([
      { topic: 't0', partition: 0 },
      { topic: 't0', partition: 1 },
      { topic: 't1', partition: 0 },
      { topic: 't1', partition: 1 },
    ]);
    expect(a.get('C1')).toEqual([
      { topic: 't0', partition: 2 },
      { topic: 't1', partition: 2 },
    ]);
    // More members than partitions: the last ones get nothing; a topic only its subscribers share.
    const b = rangeAssign(
      [
        { memberId: 'a', topics: ['x'] },
        { memberId: 'b', topics: ['x', 'y'] },
        { memberId: 'c', topics: ['x'] },
      ],
      new Map([
        ['x', 2],
        ['y', 1],
      ]),
    );
    expect(Object.fromEntries(b)).toEqual({
      a: [{ topic: 'x', partition: 0 }],
      b: [
        { topic: 'x', partition: 1 },
        { topic: 'y', partition: 0 },
      ],
      c: [],
    });
  });

  it('encodes subscriptions and assignments that round-trip through the leader', async () => {
    const members = ['m2', 'm1'].map((memberId) => {
      const p = consumerGroupProtocol({
        topics: () => ['orders'],
        generation: () => 4,
        partitionCounts: async (topics) => new Map(topics.map((t) => [t, 5])),
      });
      return { memberId, protocol: p };
    });
    const [first] = members;
    const protocols = first!.protocol.protocols();
    expect(protocols.map((p) => p.name)).toEqual([RANGE_ASSIGNOR]);
    const out = await first!.protocol.assign(
      'm2',
      5,
      RANGE_ASSIGNOR,
      members.map((m) => ({ memberId: m.memberId, metadata: m.protocol.protocols()[0]!.metadata })),
    );
    const byMember = Object.fromEntries(out.map((o) => [o.memberId, decodeAssignment(o.assignment)]));
    expect(byMember.m1!.map((tp) => tp.partition)).toEqual([0, 1, 2]);
    expect(byMember.m2!.map((tp) => tp.partition)).toEqual([3, 4]);
    expect(decodeAssignment(Buffer.alloc(0))).toEqual([]);
  });
});
