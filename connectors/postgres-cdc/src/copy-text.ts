/** An incremental parser of COPY … TO STDOUT text format into rows of field texts, used by the snapshot. */
import { StringDecoder } from 'node:string_decoder';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** COPY text format field → text (`\N` handled by the caller). */
export function unescapeCopyField(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    if (n >= '0' && n <= '7') {
      let j = i;
      while (j < i + 3 && j < s.length && s[j]! >= '0' && s[j]! <= '7') j++;
      out += String.fromCharCode(Number.parseInt(s.slice(i, j), 8));
      i = j - 1;
    } else if (n === 'x' && /[0-9a-fA-F]/.test(s[i + 1] ?? '')) {
      let j = i + 1;
      while (j < i + 3 && j < s.length && /[0-9a-fA-F]/.test(s[j]!)) j++;
      out += String.fromCharCode(Number.parseInt(s.slice(i + 1, j), 16));
      i = j - 1;
    } else {
      out += ESCAPES[n] ?? n;
    }
  }
  return out;
}

/**
 * Incremental parser of `COPY … TO STDOUT` text format: feed chunks, get rows of field texts
 * (null for `\N`). UTF-8 sequences split across chunks are handled.
 */
export class CopyTextParser {
  readonly #decoder = new StringDecoder('utf8');
  #rest = '';

  /** Rows completed by this chunk; `bytes` of each row is its length in the stream (for accounting). */
  push(chunk: Buffer): Array<{ fields: Array<string | null>; bytes: number }> {
    const text = this.#rest + this.#decoder.write(chunk);
    const rows: Array<{ fields: Array<string | null>; bytes: number }> = [];
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === '\\.') continue;
      const parts = line.split('\t');
      const fields: Array<string | null> = new Array(parts.length);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        fields[i] = p === '\\N' ? null : unescapeCopyField(p);
      }
      rows.push({ fields, bytes: line.length + 1 });
    }
    this.#rest = text.slice(start);
    return rows;
  }

  end(): void {
    const tail = this.#rest + this.#decoder.end();
    if (tail.length > 0) throw new Error(`COPY output ended inside a row (${tail.length} characters left)`);
  }
}
