/**
 * A JSON reader that keeps numbers exact. JSON.parse turns 9007199254740993 into ...992 and
 * 1.23456789123456789 into a double; Kafka Connect (Jackson) keeps both, so int64 ids and
 * NUMERIC decimals must survive. Integers outside the safe range come back as bigint, numbers
 * with more significant digits than a double holds as LosslessNumber. Everything else has the
 * same shape JSON.parse gives (plain objects, arrays, strings, booleans, null, numbers), so the
 * fast path can use JSON.parse whenever the text has no number that could lose precision.
 */

/** A non-integral JSON number whose decimal text a double cannot hold exactly. */
export class LosslessNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | LosslessNumber
  | JsonValue[]
  | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {}

/**
 * True when JSON.parse could change a number in `text`: a run of 16+ digits (with at most a dot)
 * or a three-digit exponent. False positives only cost the slower exact reader.
 */
export function mayLosePrecision(text: string): boolean {
  return RISKY.test(text);
}
const RISKY = /[0-9.]{16,}|[eE][+-]?\d{3}/;

/** Parses `text` with exact numbers; throws JsonSyntaxError with the position on bad input. */
export function parseJsonExact(text: string): JsonValue {
  const r = new ExactReader(text);
  r.ws();
  const v = r.value();
  r.ws();
  if (r.pos < text.length) r.fail('Unexpected trailing content');
  return v;
}

/** Parses with JSON.parse when that is exact for this text, else with the exact reader. */
export function parseJson(text: string): JsonValue {
  if (!mayLosePrecision(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (e) {
      throw new JsonSyntaxError((e as Error).message);
    }
  }
  return parseJsonExact(text);
}

export class ExactReader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(msg: string): never {
    throw new JsonSyntaxError(`${msg} at position ${this.pos}`);
  }

  ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  value(): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 123: // {
        return this.object();
      case 91: // [
        return this.array();
      case 34: // "
        return this.string();
      case 116: // t
        return this.word('true', true);
      case 102: // f
        return this.word('false', false);
      case 110: // n
        return this.word('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        return this.fail(Number.isNaN(c) ? 'Unexpected end of input' : `Unexpected character '${this.text[this.pos]}'`);
    }
  }

  /** Skips one value and returns where it started and ended (used to cache envelope schemas by text). */
  skip(): [number, number] {
    const start = this.pos;
    this.value();
    return [start, this.pos];
  }

  word<T>(w: string, v: T): T {
    if (!this.text.startsWith(w, this.pos)) this.fail('Unexpected token');
    this.pos += w.length;
    return v;
  }

  object(): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 34) this.fail('Expected a field name');
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 58) this.fail("Expected ':'");
      this.pos++;
      this.ws();
      const v = this.value();
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 125) return out;
      if (c !== 44) {
        this.pos--;
        this.fail("Expected ',' or '}'");
      }
    }
  }

  array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 93) return out;
      if (c !== 44) {
        this.pos--;
        this.fail("Expected ',' or ']'");
      }
    }
  }

  string(): string {
    const t = this.text;
    const start = ++this.pos;
    let p = start;
    // Fast scan for strings without escapes, the common case.
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === 92) break;
      if (c < 32 || Number.isNaN(c)) {
        this.pos = p;
        this.fail(Number.isNaN(c) ? 'Unterminated string' : 'Unescaped control character in string');
      }
      p++;
    }
    // Has escapes: find the closing quote and let JSON.parse decode the literal.
    let q = p;
    for (;;) {
      const c = t.charCodeAt(q);
      if (Number.isNaN(c)) {
        this.pos = q;
        this.fail('Unterminated string');
      }
      if (c === 92) q += 2;
      else if (c === 34) break;
      else q++;
    }
    this.pos = q + 1;
    try {
      return JSON.parse(t.slice(start - 1, q + 1)) as string;
    } catch (e) {
      this.pos = start;
      return this.fail(`Invalid string escape (${(e as Error).message})`);
    }
  }

  number(): number | bigint | LosslessNumber {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 45) p++;
    const intStart = p;
    while (isDigit(t.charCodeAt(p))) p++;
    if (p === intStart) {
      this.pos = p;
      this.fail('Invalid number');
    }
    if (t.charCodeAt(intStart) === 48 && p - intStart > 1) {
      this.pos = intStart;
      this.fail('Leading zeros are not allowed');
    }
    let integral = true;
    let digits = p - intStart;
    if (t.charCodeAt(p) === 46) {
      integral = false;
      const f = ++p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === f) {
        this.pos = p;
        this.fail('Invalid number');
      }
      digits += p - f;
    }
    let bigExponent = false;
    const e = t.charCodeAt(p);
    if (e === 101 || e === 69) {
      integral = false;
      p++;
      const s = t.charCodeAt(p);
      if (s === 43 || s === 45) p++;
      const x = p;
      while (isDigit(t.charCodeAt(p))) p++;
      if (p === x) {
        this.pos = p;
        this.fail('Invalid number');
      }
      bigExponent = p - x >= 3;
    }
    this.pos = p;
    const text = t.slice(start, p);
    if (integral) {
      if (digits < 16) return Number(text);
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    if (digits <= 15 && !bigExponent) return Number(text);
    return new LosslessNumber(text);
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Jackson's node type names, which Kafka Connect's error messages quote. */
export function nodeType(v: JsonValue | undefined): string {
  if (v === undefined) return 'MISSING';
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return 'ARRAY';
  switch (typeof v) {
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
      return 'STRING';
    case 'number':
    case 'bigint':
      return 'NUMBER';
    default:
      return v instanceof LosslessNumber ? 'NUMBER' : 'OBJECT';
  }
}
