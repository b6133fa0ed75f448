/** The snapshot.mode rule both CDC connectors start by: from the mode and the stored offset, snapshot first or stream. */

/**
 * Every mode either connector takes, after its config has mapped the old spellings (those differ: `never` is an
 * old name of no_data for Postgres but a mode of its own for MySQL, so each config keeps its own mapping).
 * never and recovery are MySQL's only: Postgres has no log that reaches back before the slot.
 */
export type SnapshotMode = 'initial' | 'initial_only' | 'no_data' | 'never' | 'when_needed' | 'recovery' | 'always';

export interface SnapshotDecision {
  /** Take a consistent snapshot before streaming. */
  snapshot: boolean;
  /**
   * Streaming resumes from the offset of a snapshot that did not finish: the rows it had not read yet will not be
   * captured, which the mode asked for but the operator should hear about.
   */
  resumesUnfinishedSnapshot: boolean;
}

/**
 * Whether to snapshot on start. `logStillHoldsOffset` is the connector's own knowledge (the slot is still
 * there and valid; the binlog file the offset names still exists) and is asked only for when_needed with a
 * finished offset, so a connector pays for the server round trip only then.
 */
export async function needsSnapshot<O extends { snapshotInProgress: boolean }>(
  mode: SnapshotMode,
  offset: O | null,
  logStillHoldsOffset: (offset: O) => boolean | Promise<boolean>,
): Promise<SnapshotDecision> {
  const snapshotIf = (snapshot: boolean): SnapshotDecision => ({ snapshot, resumesUnfinishedSnapshot: false });
  switch (mode) {
    case 'always':
      return snapshotIf(true);
    case 'initial':
    case 'initial_only':
      return snapshotIf(!offset || offset.snapshotInProgress);
    case 'no_data':
    case 'never':
    case 'recovery':
      return { snapshot: false, resumesUnfinishedSnapshot: offset?.snapshotInProgress === true };
    case 'when_needed':
      if (!offset || offset.snapshotInProgress) return snapshotIf(true);
      return snapshotIf(!(await logStillHoldsOffset(offset)));
  }
}
