// Self-healing: restarts failed connectors and tasks by themselves, with exponential backoff and jitter.
import type { Logger } from '@tributary/api';
import { SelfHealingConfigDef } from './connector-config.js';
import type { AutoRestartRecord } from './storage/status-store.js';

/** A connector (task null) or one of its tasks. */
export interface RestartTarget {
  connector: string;
  task: number | null;
}

/** The auto.restart.* keys of a connector config. */
export interface AutoRestartPolicy {
  enabled: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  /** -1: no limit. */
  maxAttempts: number;
}

/** Kafka Connect's behaviour: nothing restarts by itself. */
export const NO_AUTO_RESTART: AutoRestartPolicy = { enabled: false, initialDelayMs: 0, maxDelayMs: 0, maxAttempts: 0 };

/** Reads the policy from a connector config; a config that does not parse gets Kafka Connect's behaviour. */
export function autoRestartPolicy(config: Readonly<Record<string, string>>): AutoRestartPolicy {
  try {
    const c = SelfHealingConfigDef.parse(config);
    return {
      enabled: c['auto.restart.enable'],
      initialDelayMs: c['auto.restart.initial.delay.ms'],
      maxDelayMs: Math.max(c['auto.restart.max.delay.ms'], c['auto.restart.initial.delay.ms']),
      maxAttempts: c['auto.restart.max.attempts'],
    };
  } catch {
    return NO_AUTO_RESTART;
  }
}

/**
 * The delay before restart number `attempt` (0-based): initial × 2^attempt, capped at the maximum,
 * then "equal jitter" (half fixed, half random) so a cluster that lost its broker does not restart
 * every task in the same instant when it comes back.
 */
export function backoffDelayMs(policy: AutoRestartPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 40));
  return Math.round(exp / 2 + random() * (exp / 2));
}

interface Entry {
  target: RestartTarget;
  restarts: number;
  /** Failures in a row (restarts that did not stay up); the backoff exponent. */
  attempt: number;
  lastFailure: string | null;
  lastFailureAt: number | null;
  nextAttemptAt: number | null;
  gaveUp: boolean;
  runningSince: number | null;
  timer: NodeJS.Timeout | null;
}

const keyOf = (t: RestartTarget): string => `${t.connector}\u0000${t.task ?? ''}`;

export interface AutoRestartsOptions {
  /** Called when a restart is due; the herder restarts the target if it still runs it. */
  onDue: (target: RestartTarget) => void;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/** The per-worker book of failures and scheduled restarts (one entry per connector and task run here). */
export class AutoRestarts {
  readonly #options: AutoRestartsOptions;
  readonly #entries = new Map<string, Entry>();
  /** Automatic restarts done by this worker since it started (metrics). */
  restartsTotal = 0;

  constructor(o: AutoRestartsOptions) {
    this.#options = o;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #entry(target: RestartTarget): Entry {
    const k = keyOf(target);
    let e = this.#entries.get(k);
    if (!e) {
      e = {
        target: { ...target },
        restarts: 0,
        attempt: 0,
        lastFailure: null,
        lastFailureAt: null,
        nextAttemptAt: null,
        gaveUp: false,
        runningSince: null,
        timer: null,
      };
      this.#entries.set(k, e);
    }
    return e;
  }

  /**
   * Records a failure and schedules the next restart (unless the policy is off or out of attempts).
   * Returns what the FAILED status carries, or undefined when auto restart is off.
   */
  failed(target: RestartTarget, trace: string, policy: AutoRestartPolicy): AutoRestartRecord | undefined {
    if (!policy.enabled) {
      this.forget(target);
      return undefined;
    }
    const e = this.#entry(target);
    const now = this.#now();
    // A run that stayed up for the longest delay counts as healthy: the next failure starts the backoff over.
    if (e.runningSince !== null && now - e.runningSince >= policy.maxDelayMs) e.attempt = 0;
    e.runningSince = null;
    e.lastFailure = trace;
    e.lastFailureAt = now;
    this.#clearTimer(e);
    if (policy.maxAttempts >= 0 && e.attempt >= policy.maxAttempts) {
      e.gaveUp = true;
      e.nextAttemptAt = null;
      this.#options.logger.error(
        { connector: target.connector, ...(target.task !== null ? { task: target.task } : {}), attempts: e.attempt },
        'auto restart gave up after auto.restart.max.attempts restarts in a row; restart it through the REST API',
      );
      return this.record(target);
    }
    const delay = backoffDelayMs(policy, e.attempt, this.#options.random);
    e.attempt++;
    e.gaveUp = false;
    e.nextAttemptAt = now + delay;
    e.timer = setTimeout(() => {
      e.timer = null;
      e.nextAttemptAt = null;
      e.restarts++;
      this.restartsTotal++;
      this.#options.onDue({ ...e.target });
    }, delay);
    e.timer.unref();
    this.#options.logger.warn(
      {
        connector: target.connector,
        ...(target.task !== null ? { task: target.task } : {}),
        attempt: e.attempt,
        restartInMs: delay,
      },
      'failed; restarting automatically',
    );
    return this.record(target);
  }

  /** The target runs (again); its history is kept and shown with its RUNNING status. */
  running(target: RestartTarget): void {
    const e = this.#entries.get(keyOf(target));
    if (!e) return;
    e.runningSince = this.#now();
  }

  /** What the status record carries for the target; undefined when it never failed here. */
  record(target: RestartTarget): AutoRestartRecord | undefined {
    const e = this.#entries.get(keyOf(target));
    if (!e) return undefined;
    return {
      restarts: e.restarts,
      last_failure: e.lastFailure,
      last_failure_at: e.lastFailureAt,
      next_attempt_at: e.nextAttemptAt,
      gave_up: e.gaveUp,
    };
  }

  /** Cancels a scheduled restart (the target is being stopped, restarted by hand, or moved). */
  cancel(target: RestartTarget): void {
    const e = this.#entries.get(keyOf(target));
    if (!e) return;
    this.#clearTimer(e);
  }

  /** Drops the target's history (connector deleted or reconfigured, task no longer run here). */
  forget(target: RestartTarget): void {
    const k = keyOf(target);
    const e = this.#entries.get(k);
    if (!e) return;
    this.#clearTimer(e);
    this.#entries.delete(k);
  }

  /** Drops the history of a connector and all its tasks. */
  forgetConnector(connector: string): void {
    for (const e of [...this.#entries.values()]) if (e.target.connector === connector) this.forget(e.target);
  }

  /** Restarts scheduled and not yet due (metrics). */
  get scheduled(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.timer) n++;
    return n;
  }

  /** Per target: restarts so far and whether a restart is scheduled (metrics). */
  entries(): Array<{ target: RestartTarget; restarts: number; scheduled: boolean; gaveUp: boolean }> {
    return [...this.#entries.values()].map((e) => ({
      target: { ...e.target },
      restarts: e.restarts,
      scheduled: e.timer !== null,
      gaveUp: e.gaveUp,
    }));
  }

  close(): void {
    for (const e of this.#entries.values()) this.#clearTimer(e);
  }

  #clearTimer(e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    e.nextAttemptAt = null;
  }
}
