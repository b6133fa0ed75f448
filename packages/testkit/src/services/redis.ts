/** The machine's Redis for tests: checks that it answers and starts it when it does not. */
import { mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { run, waitFor } from './proc.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** True when a Redis answers PING with PONG (or asks for a password, which also means Redis is there). */
export function redisAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.connect(port, host, () => socket.write('*1\r\n$4\r\nPING\r\n'));
  });
}

/** The machine's Redis: started with the documented command when it does not answer (only when `manage`). */
export async function ensureRedis(url: string, manage: boolean, log: (line: string) => void): Promise<void> {
  if (await redisAnswers(url)) return;
  if (!manage) throw new Error(`Redis does not answer at ${url} (REDIS_URL)`);
  log('Redis does not answer on 127.0.0.1:6379; starting it');
  try {
    mkdirSync('/var/lib/redis', { recursive: true });
  } catch {
    // redis-server reports it
  }
  const res = await run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    '/var/lib/redis',
    '--logfile',
    '/var/log/redis/ci.log',
  ]);
  if (res.code !== 0) {
    throw new Error(
      `redis-server failed to start (${res.code}):\n${res.output.trim()}\nInstall Redis or set REDIS_URL.`,
    );
  }
  await waitFor('Redis', 30_000, async () => ((await redisAnswers(url)) ? true : undefined));
}
