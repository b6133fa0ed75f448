/** Builds protocol messages byte by byte, the way the backend's pq_send* functions lay them out. */
export class W {
  readonly parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  ch(c: string): this {
    return this.u8(c.charCodeAt(0));
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }
  text(s: string): this {
    const data = Buffer.from(s, 'utf8');
    return this.ch('t').i32(data.length).raw(data);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A tuple: strings are text values, null is NULL, 'u' marks an unchanged TOAST value. */
export type Cell = string | null | { toast: true };

export function tuple(w: W, cells: Cell[]): W {
  w.i16(cells.length);
  for (const c of cells) {
    if (c === null) w.ch('n');
    else if (typeof c === 'object') w.ch('u');
    else w.text(c);
  }
  return w;
}

/** pgoutput messages; `xid` set means the in-stream layout. */
export const pgo = {
  begin: (finalLsn: bigint, xid: number, commitTime = 700_000_000_000_000n) =>
    new W().ch('B').u64(finalLsn).u64(commitTime).u32(xid).build(),
  commit: (commitLsn: bigint, endLsn: bigint, commitTime = 700_000_000_000_000n) =>
    new W().ch('C').u8(0).u64(commitLsn).u64(endLsn).u64(commitTime).build(),
  relation: (
    oid: number,
    schema: string,
    table: string,
    cols: Array<{ name: string; type: number; key?: boolean; typmod?: number }>,
    ident = 'd',
    xid?: number,
  ) => {
    const w = new W().ch('R');
    if (xid !== undefined) w.u32(xid);
    w.u32(oid).str(schema).str(table).ch(ident).i16(cols.length);
    for (const c of cols)
      w.u8(c.key ? 1 : 0)
        .str(c.name)
        .u32(c.type)
        .i32(c.typmod ?? -1);
    return w.build();
  },
  insert: (oid: number, cells: Cell[], xid?: number) => {
    const w = new W().ch('I');
    if (xid !== undefined) w.u32(xid);
    return tuple(w.u32(oid).ch('N'), cells).build();
  },
  update: (oid: number, cells: Cell[], old?: { kind: 'K' | 'O'; cells: Cell[] }, xid?: number) => {
    const w = new W().ch('U');
    if (xid !== undefined) w.u32(xid);
    w.u32(oid);
    if (old) tuple(w.ch(old.kind), old.cells);
    return tuple(w.ch('N'), cells).build();
  },
  delete: (oid: number, kind: 'K' | 'O', cells: Cell[], xid?: number) => {
    const w = new W().ch('D');
    if (xid !== undefined) w.u32(xid);
    return tuple(w.u32(oid).ch(kind), cells).build();
  },
  truncate: (oids: number[]) => {
    const w = new W().ch('T').i32(oids.length).u8(0);
    for (const o of oids) w.u32(o);
    return w.build();
  },
  message: (prefix: string, content: string, transactional: boolean, lsn: bigint) =>
    new W()
      .ch('M')
      .u8(transactional ? 1 : 0)
      .u64(lsn)
      .str(prefix)
      .i32(Buffer.byteLength(content))
      .raw(Buffer.from(content))
      .build(),
  streamStart: (xid: number, first = true) =>
    new W()
      .ch('S')
      .u32(xid)
      .u8(first ? 1 : 0)
      .build(),
  streamStop: () => new W().ch('E').build(),
  streamCommit: (xid: number, commitLsn: bigint, endLsn: bigint, commitTime = 700_000_000_000_000n) =>
    new W().ch('c').u32(xid).u8(0).u64(commitLsn).u64(endLsn).u64(commitTime).build(),
  streamAbort: (xid: number, subXid: number) => new W().ch('A').u32(xid).u32(subXid).build(),
};
