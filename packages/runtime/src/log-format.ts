/** Where log lines go: JSON (pino's own, for files and collectors) or one readable line each for a terminal. */
import { Writable } from 'node:stream';

export type LogFormat = 'json' | 'pretty';

/**
 * `TRIBUTARY_LOG_FORMAT=json|pretty`; without it, pretty when stdout is a terminal and JSON otherwise, so a
 * redirected or collected log stays machine-readable.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): LogFormat {
  const asked = env.TRIBUTARY_LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new Error(`Invalid TRIBUTARY_LOG_FORMAT '${env.TRIBUTARY_LOG_FORMAT}': use json or pretty`);
  return isTty ? 'pretty' : 'json';
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, or that the prefix already shows. */
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'connector', 'task', 'logger']);

/** `12:00:01.234 INFO  [orders/0] connector started key=value …` from one of pino's JSON lines. */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[rec.level as number] ?? String(rec.level)).padEnd(5);
  const where =
    rec.connector === undefined
      ? ''
      : ` [${String(rec.connector)}${rec.task === undefined ? '' : `/${String(rec.task)}`}]`;
  const fields = Object.entries(rec)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${time} ${level}${where} ${String(rec.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

/** A destination for pino that writes each JSON line it gets as a pretty line to `out`. */
export function prettyStream(out: NodeJS.WritableStream = process.stdout): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = rest + chunk.toString();
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      const pretty = lines.filter(Boolean).map(prettyLine);
      if (pretty.length) out.write(`${pretty.join('\n')}\n`);
      done();
    },
    final(done) {
      if (rest) out.write(`${prettyLine(rest)}\n`);
      done();
    },
  });
}
