/** A seedable PRNG whose whole state fits in a source offset, so a restarted datagen task continues the same random sequence. */
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/**
 * A small seedable PRNG whose whole state is one uint32, so a task can store it in its source
 * offset (`random.seed`) and a restarted task continues the exact same sequence.
 */
export class Random {
  #state: number;

  constructor(state: number) {
    this.#state = state >>> 0;
  }

  /** A state derived from any integer seed (a config's random.seed) and a task id. */
  static fromSeed(seed: number | bigint, taskId: number): Random {
    // Fold the 64-bit seed into 32 bits, then advance once per task id so tasks differ.
    const big = BigInt.asUintN(64, BigInt(seed));
    const folded = Number((big ^ (big >> 32n)) & 0xffffffffn);
    const r = new Random(mix(folded));
    for (let i = 0; i < taskId; i++) r.#state = mix(r.nextUint32() ^ 0x9e3779b9);
    return r;
  }

  /** The current state; `new Random(state)` continues from here. */
  get state(): number {
    return this.#state >>> 0;
  }

  nextUint32(): number {
    // mulberry32
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_53;
  }

  /** Uniform integer in [0, bound) for bound up to 2^53. */
  nextInt(bound: number): number {
    if (bound <= TWO_32) return Math.floor((this.nextUint32() / TWO_32) * bound);
    return Math.floor(this.nextDouble() * bound);
  }

  /** Uniform integer in [min, max) (max exclusive, as avro-random-generator's range). */
  nextIntBetween(min: number, max: number): number {
    return min + this.nextInt(max - min);
  }

  nextInt32(): number {
    return this.nextUint32() | 0;
  }

  /** Any 64-bit signed integer. */
  nextInt64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32()));
  }

  nextBoolean(): boolean {
    return (this.nextUint32() & 1) === 1;
  }
}

function mix(x: number): number {
  // splitmix-style finalizer: spreads nearby seeds far apart.
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
