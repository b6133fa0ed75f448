/** Splits a byte stream into lines (\n, \r\n or \r), tracking the byte position after each so a file source can resume exactly there. */
const LF = 0x0a;
const CR = 0x0d;

/** One complete line and the byte position just past its terminator. */
export interface Line {
  readonly text: string;
  readonly next: number;
}

/**
 * Splits a byte stream into lines ending in \n, \r\n or \r, tracking the byte position after
 * each terminator so a reader can resume exactly there. A trailing \r is held back until the
 * next byte shows whether it starts a \r\n, and a line without its terminator is not returned
 * (the writer may still be appending to it), as Kafka Connect's FileStreamSourceTask does.
 */
export class LineSplitter {
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  /** Position in the stream of #buf[0]. */
  #base: number;

  constructor(position = 0) {
    this.#base = position;
  }

  /** Position just after the last line returned (where a resumed reader starts). */
  get position(): number {
    return this.#base + this.#start;
  }

  /** Bytes received but not yet returned as lines. */
  get pendingBytes(): number {
    return this.#buf.length - this.#start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const rest = this.#buf.subarray(this.#start);
    this.#base += this.#start;
    this.#start = 0;
    this.#buf = rest.length === 0 ? Buffer.from(chunk) : Buffer.concat([rest, chunk]);
  }

  /** The next complete line, or null when none is complete yet. With `final`, a partial last line counts. */
  next(final = false): Line | null {
    const buf = this.#buf;
    const start = this.#start;
    if (start >= buf.length) return null;
    const lf = buf.indexOf(LF, start);
    // Only look for \r inside the candidate line so a file without \r is scanned once, not per line.
    const cr = buf.subarray(start, lf === -1 ? buf.length : lf).indexOf(CR);
    let until: number;
    let after: number;
    if (cr !== -1) {
      until = start + cr;
      if (until + 1 >= buf.length && !final) return null;
      after = buf[until + 1] === LF ? until + 2 : until + 1;
    } else if (lf !== -1) {
      until = lf;
      after = lf + 1;
    } else if (final) {
      until = buf.length;
      after = buf.length;
    } else {
      return null;
    }
    this.#start = after;
    return { text: buf.toString('utf8', start, until), next: this.#base + after };
  }
}
