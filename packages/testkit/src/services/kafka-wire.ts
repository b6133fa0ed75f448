/**
 * Just enough of the Kafka wire protocol to tell whether a port holds a Kafka broker that serves
 * metadata, and to make the broker create its group and transaction coordinators ahead of the tests.
 * Only non-flexible request versions are used, so no tagged fields.
 */
import { Socket } from 'node:net';

const API_FIND_COORDINATOR = 10;
const API_METADATA = 3;
const API_VERSIONS = 18;

class Writer {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const body = Buffer.from(s, 'utf8');
    this.int16(body.length);
    this.parts.push(body);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  string(): string {
    return this.nullableString() ?? '';
  }
}

export class KafkaProbeError extends Error {}

/** One connection, requests one at a time. */
export class KafkaWire {
  private socket: Socket | undefined;
  private buffered = Buffer.alloc(0);
  private correlation = 0;
  private pending: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private versions = new Map<number, { min: number; max: number }>();

  private constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  static async connect(host: string, port: number, timeoutMs = 3000): Promise<KafkaWire> {
    const wire = new KafkaWire(host, port, timeoutMs);
    await wire.open();
    return wire;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.socket = socket;
      socket.setTimeout(this.timeoutMs, () => {
        const err = new KafkaProbeError(`no answer from ${this.host}:${this.port} within ${this.timeoutMs}ms`);
        this.fail(err);
        reject(err);
      });
      socket.once('error', (err) => {
        this.fail(err);
        reject(err);
      });
      socket.on('close', () => this.fail(new KafkaProbeError('connection closed')));
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.connect(this.port, this.host, () => resolve());
    });
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (size < 4 || size > 64 * 1024 * 1024) {
        this.fail(new KafkaProbeError(`not a Kafka response (frame size ${size})`));
        this.socket?.destroy();
        return;
      }
      if (this.buffered.length >= 4 + size) {
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const p = this.pending;
        this.pending = undefined;
        p?.resolve(frame);
      }
    }
  }

  private request(apiKey: number, version: number, body: Buffer): Promise<Reader> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new KafkaProbeError('not connected'));
    const id = ++this.correlation;
    const header = new Writer().int16(apiKey).int16(version).int32(id).string('tributary-services').build();
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { resolve, reject };
      socket.write(Buffer.concat([size, header, body]));
    }).then((frame) => {
      const r = new Reader(frame);
      if (r.int32() !== id) throw new KafkaProbeError('not a Kafka response (correlation id mismatch)');
      return r;
    });
  }

  /** ApiVersions v0, which every broker answers; fills the supported version ranges. */
  async apiVersions(): Promise<Map<number, { min: number; max: number }>> {
    let r: Reader;
    try {
      r = await this.request(API_VERSIONS, 0, Buffer.alloc(0));
    } catch (err) {
      if (err instanceof RangeError) throw new KafkaProbeError('not a Kafka response');
      throw err;
    }
    try {
      const error = r.int16();
      if (error !== 0) throw new KafkaProbeError(`ApiVersions error ${error}`);
      const n = r.int32();
      if (n <= 0 || n > 1000) throw new KafkaProbeError('not a Kafka response');
      for (let i = 0; i < n; i++) this.versions.set(r.int16(), { min: r.int16(), max: r.int16() });
    } catch (err) {
      if (err instanceof RangeError) throw new KafkaProbeError('not a Kafka response');
      throw err;
    }
    if (!this.versions.has(API_METADATA)) throw new KafkaProbeError('not a Kafka response');
    return this.versions;
  }

  /** The highest version of `apiKey` in [lo, hi] that the broker supports. */
  private pick(apiKey: number, lo: number, hi: number): number {
    const range = this.versions.get(apiKey);
    if (!range) throw new KafkaProbeError(`broker does not support api ${apiKey}`);
    const v = Math.min(hi, range.max);
    if (v < Math.max(lo, range.min)) throw new KafkaProbeError(`no common version for api ${apiKey}`);
    return v;
  }

  /** Metadata for no topics: the brokers and the controller. */
  async metadata(): Promise<{
    brokers: { nodeId: number; host: string; port: number }[];
    clusterId: string | null;
    controllerId: number;
  }> {
    const version = this.pick(API_METADATA, 4, 8);
    const body = new Writer().int32(0).int8(0);
    if (version >= 8) body.int8(0).int8(0);
    const r = await this.request(API_METADATA, version, body.build());
    r.int32(); // throttle_time_ms
    const brokers: { nodeId: number; host: string; port: number }[] = [];
    const n = r.int32();
    for (let i = 0; i < n; i++) {
      const nodeId = r.int32();
      const host = r.string();
      const port = r.int32();
      r.nullableString(); // rack
      brokers.push({ nodeId, host, port });
    }
    const clusterId = r.nullableString();
    const controllerId = r.int32();
    return { brokers, clusterId, controllerId };
  }

  /** FindCoordinator; key type 0 = group, 1 = transaction. Returns the error code (0 when found). */
  async findCoordinator(key: string, keyType: 0 | 1): Promise<number> {
    const version = this.pick(API_FIND_COORDINATOR, 1, 2);
    const r = await this.request(API_FIND_COORDINATOR, version, new Writer().string(key).int8(keyType).build());
    r.int32(); // throttle_time_ms
    return r.int16();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

export type KafkaProbe =
  | { kind: 'kafka'; ready: boolean; clusterId: string | null; brokers: number }
  | { kind: 'closed' }
  | { kind: 'other'; reason: string };

/**
 * What answers on host:port: nothing (`closed`), a Kafka broker (`ready` once metadata lists a broker and a
 * controller), or something else.
 */
export async function probeKafka(host: string, port: number, timeoutMs = 3000): Promise<KafkaProbe> {
  let wire: KafkaWire;
  try {
    wire = await KafkaWire.connect(host, port, timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') return { kind: 'closed' };
    return { kind: 'other', reason: (err as Error).message };
  }
  try {
    await wire.apiVersions();
  } catch (err) {
    wire.close();
    return { kind: 'other', reason: (err as Error).message };
  }
  try {
    const md = await wire.metadata();
    return {
      kind: 'kafka',
      ready: md.brokers.length > 0 && md.controllerId >= 0,
      clusterId: md.clusterId,
      brokers: md.brokers.length,
    };
  } catch {
    return { kind: 'kafka', ready: false, clusterId: null, brokers: 0 };
  } finally {
    wire.close();
  }
}

/**
 * Asks for the group and transaction coordinators until the broker has them, so the internal
 * `__consumer_offsets` and `__transaction_state` topics exist before the first test needs them.
 */
export async function warmCoordinators(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set<0 | 1>([0, 1]);
  while (pending.size > 0 && Date.now() < deadline) {
    let wire: KafkaWire | undefined;
    try {
      wire = await KafkaWire.connect(host, port);
      await wire.apiVersions();
      for (const keyType of [...pending]) {
        const error = await wire.findCoordinator('tributary-warmup', keyType);
        if (error === 0) pending.delete(keyType);
      }
    } catch {
      // retried below
    } finally {
      wire?.close();
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  return pending.size === 0;
}
