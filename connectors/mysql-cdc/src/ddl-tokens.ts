// A MySQL / MariaDB SQL tokenizer for DDL: words, quoted names, string literals, numbers and punctuation.

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Words as written; `ident` unquoted; `string` without quotes, escapes resolved. */
  text: string;
  /** Where the token starts in the statement (expressions are kept as their source text). */
  start: number;
  end: number;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a' };

/**
 * Splits a statement into tokens. Comments are dropped, except MySQL's executable comments
 * (`/*!50100 … *\/`, which the server writes into the binlog), whose content is read as SQL.
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      if (sql[i + 2] === '!') {
        // Executable comment: skip the marker and version, read the rest as SQL up to `*/`.
        i += 3;
        while (i < n && /\d/.test(sql[i]!)) i++;
        continue;
      }
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === '*' && sql[i + 1] === '/') {
      i += 2;
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-' && /\s/.test(sql[i + 2] ?? ' ')) || c === '#') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    const start = i;
    if (c === '`') {
      let text = '';
      i++;
      while (i < n) {
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') {
            text += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i++];
      }
      out.push({ kind: 'ident', text, start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      while (i < n) {
        const d = sql[i]!;
        if (d === '\\' && i + 1 < n) {
          const e = sql[i + 1]!;
          text += ESCAPES[e] ?? e;
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      // A double-quoted token is a string unless ANSI_QUOTES is on; DDL in the binlog uses backquotes for names.
      out.push({ kind: 'string', text, start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:0x[0-9a-f]+|\d*\.?\d+(?:e[-+]?\d+)?)/i.exec(sql.slice(i))!;
      // 1e is not a number start of a name such as `1abc`: names may start with digits.
      const word = /^[0-9]+[a-z_$][\w$]*/i.exec(sql.slice(i));
      if (word && word[0].length > m[0].length) {
        i += word[0].length;
        out.push({ kind: 'word', text: word[0], start, end: i });
        continue;
      }
      i += m[0].length;
      out.push({ kind: 'number', text: m[0], start, end: i });
      continue;
    }
    if (/[\w$@]/.test(c) || c.charCodeAt(0) > 127) {
      const m = /^[\w$@\u0080-\uffff]+/.exec(sql.slice(i))!;
      i += m[0].length;
      // x'0a' and b'01' literals: keep them as one string token.
      if ((m[0] === 'x' || m[0] === 'X' || m[0] === 'b' || m[0] === 'B') && sql[i] === "'") {
        const close = sql.indexOf("'", i + 1);
        i = close < 0 ? n : close + 1;
        out.push({ kind: 'word', text: sql.slice(start, i), start, end: i });
        continue;
      }
      out.push({ kind: 'word', text: m[0], start, end: i });
      continue;
    }
    i++;
    out.push({ kind: 'punct', text: c, start, end: i });
  }
  return out;
}

/** A cursor over tokens with the look-ahead a DDL parser needs. */
export class TokenStream {
  readonly #tokens: Token[];
  readonly sql: string;
  #i = 0;

  constructor(sql: string) {
    this.sql = sql;
    this.#tokens = tokenize(sql);
  }

  get done(): boolean {
    return this.#i >= this.#tokens.length;
  }

  peek(ahead = 0): Token | undefined {
    return this.#tokens[this.#i + ahead];
  }

  next(): Token {
    const t = this.#tokens[this.#i];
    if (!t) throw new DdlSyntaxError('unexpected end of statement');
    this.#i++;
    return t;
  }

  /** The next token is this keyword (case-insensitive)? */
  isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t?.kind === 'punct' && t.text === p;
  }

  /** Consumes the keywords when they come next, in order; false (nothing consumed) otherwise. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isWord(words[k]!, k)) return false;
    this.#i += words.length;
    return true;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.#i++;
    return true;
  }

  expect(word: string): void {
    if (!this.accept(word)) throw new DdlSyntaxError(`expected ${word} near '${this.#near()}'`);
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw new DdlSyntaxError(`expected '${p}' near '${this.#near()}'`);
  }

  /** A name: a quoted identifier or a bare word. */
  name(): string {
    const t = this.next();
    if (t.kind === 'ident' || t.kind === 'word') return t.text;
    throw new DdlSyntaxError(`expected a name near '${t.text}'`);
  }

  /** Skips a balanced parenthesised group (the `(` is next); returns its inner source text. */
  group(): string {
    const open = this.next();
    if (open.text !== '(') throw new DdlSyntaxError(`expected '(' near '${open.text}'`);
    let depth = 1;
    let last = open;
    while (depth > 0) {
      last = this.next();
      if (last.kind === 'punct' && last.text === '(') depth++;
      if (last.kind === 'punct' && last.text === ')') depth--;
    }
    return this.sql.slice(open.end, last.start).trim();
  }

  /** Skips to the next top-level `,` or the end (or an unbalanced `)`), not consuming it. */
  skipItem(): void {
    let depth = 0;
    while (!this.done) {
      const t = this.peek()!;
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') {
        if (depth === 0) return;
        depth--;
      }
      if (depth === 0 && t.kind === 'punct' && (t.text === ',' || t.text === ';')) return;
      this.#i++;
    }
  }

  #near(): string {
    const t = this.peek();
    return t ? this.sql.slice(t.start, t.start + 30) : '<end>';
  }
}

export class DdlSyntaxError extends Error {}
