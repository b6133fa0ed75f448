// Unit tests of the shared snapshot.mode rule: every mode against no offset, an unfinished snapshot's offset and a finished one.
import { describe, expect, it } from 'vitest';
import { needsSnapshot, type SnapshotDecision, type SnapshotMode } from './snapshot-mode.js';

interface Offset {
  snapshotInProgress: boolean;
}

const unfinished: Offset = { snapshotInProgress: true };
const finished: Offset = { snapshotInProgress: false };
const snapshot: SnapshotDecision = { snapshot: true, resumesUnfinishedSnapshot: false };
const stream: SnapshotDecision = { snapshot: false, resumesUnfinishedSnapshot: false };
const streamPastUnfinished: SnapshotDecision = { snapshot: false, resumesUnfinishedSnapshot: true };

/** The decision, and how often the connector's log check was asked (it costs a server round trip). */
async function decide(
  mode: SnapshotMode,
  offset: Offset | null,
  logHolds: boolean | Promise<boolean> = true,
): Promise<{ decision: SnapshotDecision; asked: Offset[] }> {
  const asked: Offset[] = [];
  const decision = await needsSnapshot(mode, offset, (o) => {
    asked.push(o);
    return logHolds;
  });
  return { decision, asked };
}

describe('needsSnapshot', () => {
  it.each<[SnapshotMode, Offset | null, SnapshotDecision]>([
    ['always', null, snapshot],
    ['always', unfinished, snapshot],
    ['always', finished, snapshot],
    ['initial', null, snapshot],
    ['initial', unfinished, snapshot],
    ['initial', finished, stream],
    ['initial_only', null, snapshot],
    ['initial_only', unfinished, snapshot],
    ['initial_only', finished, stream],
    ['no_data', null, stream],
    ['no_data', unfinished, streamPastUnfinished],
    ['no_data', finished, stream],
    ['never', null, stream],
    ['never', unfinished, streamPastUnfinished],
    ['never', finished, stream],
    ['recovery', null, stream],
    ['recovery', unfinished, streamPastUnfinished],
    ['recovery', finished, stream],
    ['when_needed', null, snapshot],
    ['when_needed', unfinished, snapshot],
  ])('%s with offset %j decides %j without asking the log', async (mode, offset, expected) => {
    const { decision, asked } = await decide(mode, offset, false);
    expect(decision).toEqual(expected);
    expect(asked).toEqual([]);
  });

  it('when_needed with a finished offset streams while the log still holds it', async () => {
    const { decision, asked } = await decide('when_needed', finished, true);
    expect(decision).toEqual(stream);
    expect(asked).toEqual([finished]);
  });

  it('when_needed with a finished offset snapshots once the log no longer holds it', async () => {
    const { decision, asked } = await decide('when_needed', finished, false);
    expect(decision).toEqual(snapshot);
    expect(asked).toEqual([finished]);
  });

  it('when_needed waits for an asynchronous log check', async () => {
    expect((await decide('when_needed', finished, Promise.resolve(false))).decision).toEqual(snapshot);
    expect((await decide('when_needed', finished, Promise.resolve(true))).decision).toEqual(stream);
  });
});
