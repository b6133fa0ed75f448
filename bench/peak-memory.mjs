// Peak memory of the bench process, sampled at most every 50 ms: reading it costs ~0.1 ms (it reads /proc), and read
// on every poll of a few records it was a seventh of a connector bench's CPU.
export class PeakMemory {
  rss = process.memoryUsage.rss();
  heap = process.memoryUsage().heapUsed;
  #sampledAt = 0;

  /** Samples when 50 ms have passed since the last sample, or always with `force`. */
  sample(force = false) {
    const now = performance.now();
    if (!force && now - this.#sampledAt < 50) return;
    this.#sampledAt = now;
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
  }
}
