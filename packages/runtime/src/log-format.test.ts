import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logFormat, prettyLine, prettyStream } from './log-format.js';

describe('logFormat', () => {
  it('is pretty on a terminal, JSON elsewhere, and what TRIBUTARY_LOG_FORMAT says when set', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ TRIBUTARY_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ TRIBUTARY_LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
    expect(() => logFormat({ TRIBUTARY_LOG_FORMAT: 'xml' }, true)).toThrow(
      "Invalid TRIBUTARY_LOG_FORMAT 'xml': use json or pretty",
    );
  });
});

describe('prettyStream', () => {
  it('writes each pino line as time, level, connector/task, message and the other fields', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const log = pino({ base: { pid: 1 }, redact: { paths: ['password'], censor: '[redacted]' } }, prettyStream(out));
    log.child({ connector: 'orders', task: 0 }).info({ seq: 41, table: 'public.orders' }, 'task starting');
    log.warn({ password: 'hunter2', detail: 'two words' }, 'no connector here');
    await new Promise((r) => setImmediate(r));
    const [first, second] = text.trimEnd().split('\n');
    expect(first).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[orders\/0\] task starting {2}seq=41 table=public\.orders$/);
    expect(second).toMatch(/ WARN {2}no connector here {2}password=\[redacted\] detail="two words"$/);
  });

  it('passes through a line that is not JSON', () => {
    expect(prettyLine('plain text')).toBe('plain text');
  });
});
