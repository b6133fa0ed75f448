/** Generates random strings matching a regular expression, for avro-random-generator's `regex` property. */
import type { Random } from './random.js';

/**
 * Generates strings that match a regular expression, for the `regex` property of
 * avro-random-generator schemas. Supports what schema authors use: literals and escapes, `.`,
 * character classes with ranges and negation, \d \w \s (and \D \W \S), groups with
 * alternation, and the quantifiers ? * + {n} {n,} {n,m}. Anchors are ignored; back-references
 * and look-arounds are refused at parse time.
 */
export class RegexGenerator {
  readonly #gen: Gen;
  readonly source: string;

  constructor(source: string) {
    this.source = source;
    const p = new Parser(source);
    const root = p.parseAlternation();
    if (!p.done) throw new SyntaxError(`unexpected '${source[p.pos]}' at ${p.pos} in regex ${source}`);
    this.#gen = compileNode(root);
  }

  /** One matching string; unbounded repetitions (* + {n,}) repeat at most `unboundedExtra` more than their minimum. */
  generate(random: Random, unboundedExtra = 8): string {
    return this.#gen(random, unboundedExtra);
  }
}

type Gen = (random: Random, extra: number) => string;

type Node =
  | { t: 'lit'; s: string }
  | { t: 'set'; chars: string }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number | null };

// What `.` and negated classes draw from: printable ASCII.
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const DIGITS = '0123456789';
const WORD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
const SPACE = ' \t\n\r\f\v';
const without = (chars: string): string => [...PRINTABLE].filter((c) => !chars.includes(c)).join('');

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  get done(): boolean {
    return this.pos >= this.src.length;
  }

  #fail(msg: string): never {
    throw new SyntaxError(`${msg} at ${this.pos} in regex ${this.src}`);
  }

  parseAlternation(): Node {
    const options = [this.#parseSequence()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      options.push(this.#parseSequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  #parseSequence(): Node {
    const items: Node[] = [];
    while (!this.done && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const atom = this.#parseAtom();
      if (atom) items.push(this.#parseQuantifier(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  #parseAtom(): Node | null {
    const c = this.src[this.pos++]!;
    switch (c) {
      case '^':
      case '$':
        return null;
      case '.':
        return { t: 'set', chars: PRINTABLE };
      case '(': {
        if (this.src[this.pos] === '?') {
          if (this.src[this.pos + 1] !== ':') this.#fail('look-arounds and named groups are not supported');
          this.pos += 2;
        }
        const inner = this.parseAlternation();
        if (this.src[this.pos] !== ')') this.#fail("missing ')'");
        this.pos++;
        return inner;
      }
      case '[':
        return this.#parseClass();
      case '\\':
        return this.#parseEscape(false) as Node;
      case '*':
      case '+':
      case '?':
      case '{':
        return this.#fail(`nothing to repeat before '${c}'`);
      default:
        return { t: 'lit', s: c };
    }
  }

  /** An escape; inside a class it yields its characters as a set. */
  #parseEscape(inClass: boolean): Node {
    const c = this.src[this.pos++];
    if (c === undefined) this.#fail('trailing backslash');
    switch (c) {
      case 'd':
        return { t: 'set', chars: DIGITS };
      case 'D':
        return { t: 'set', chars: without(DIGITS) };
      case 'w':
        return { t: 'set', chars: WORD };
      case 'W':
        return { t: 'set', chars: without(WORD) };
      case 's':
        return { t: 'set', chars: inClass ? SPACE : ' ' };
      case 'S':
        return { t: 'set', chars: without(SPACE) };
      case 'n':
        return { t: 'lit', s: '\n' };
      case 't':
        return { t: 'lit', s: '\t' };
      case 'r':
        return { t: 'lit', s: '\r' };
      case 'u': {
        const hex = this.src.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail('bad \\u escape');
        this.pos += 4;
        return { t: 'lit', s: String.fromCharCode(Number.parseInt(hex, 16)) };
      }
      default:
        if (/[1-9]/.test(c!)) this.#fail('back-references are not supported');
        return { t: 'lit', s: c! };
    }
  }

  #parseClass(): Node {
    const negate = this.src[this.pos] === '^';
    if (negate) this.pos++;
    let chars = '';
    let first = true;
    while (this.src[this.pos] !== ']' || first) {
      first = false;
      if (this.done) this.#fail("missing ']'");
      let lo: string;
      if (this.src[this.pos] === '\\') {
        this.pos++;
        const e = this.#parseEscape(true);
        if (e.t === 'set') {
          chars += e.chars;
          continue;
        }
        lo = (e as { s: string }).s;
      } else {
        lo = this.src[this.pos++]!;
      }
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        let hi = this.src[this.pos++]!;
        if (hi === '\\') hi = (this.#parseEscape(true) as { s?: string }).s ?? this.#fail('bad range end');
        const a = lo.charCodeAt(0);
        const b = hi.charCodeAt(0);
        if (b < a) this.#fail(`bad range ${lo}-${hi}`);
        for (let x = a; x <= b; x++) chars += String.fromCharCode(x);
      } else {
        chars += lo;
      }
    }
    this.pos++;
    const unique = [...new Set(chars)].join('');
    return { t: 'set', chars: negate ? without(unique) : unique };
  }

  #parseQuantifier(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = this.src[this.pos];
      let min: number;
      let max: number | null;
      if (c === '*') [min, max] = [0, null];
      else if (c === '+') [min, max] = [1, null];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) return node; // a literal '{', as Java's regex treats a brace that is not a quantifier
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
        if (max !== null && max < min) this.#fail(`bad repetition {${min},${max}}`);
        this.pos += m[0].length - 1;
      } else return node;
      this.pos++;
      // Lazy and possessive suffixes do not change which strings match.
      if (this.src[this.pos] === '?' || this.src[this.pos] === '+') this.pos++;
      node = { t: 'rep', node, min, max };
    }
  }
}

/** Compiles the tree into closures once, so generating a string allocates little more than the string. */
function compileNode(node: Node): Gen {
  switch (node.t) {
    case 'lit': {
      const text = node.s;
      return () => text;
    }
    case 'set': {
      const chars = node.chars;
      if (chars.length === 0) throw new SyntaxError('a character class matches nothing');
      if (chars.length === 1) return () => chars;
      const n = chars.length;
      return (random) => chars[random.nextInt(n)]!;
    }
    case 'seq': {
      // Adjacent literals become one string.
      const parts: Gen[] = [];
      let lit = '';
      for (const item of node.items) {
        if (item.t === 'lit') {
          lit += item.s;
          continue;
        }
        if (lit) {
          const text = lit;
          parts.push(() => text);
          lit = '';
        }
        parts.push(compileNode(item));
      }
      if (lit) {
        const text = lit;
        parts.push(() => text);
      }
      if (parts.length === 1) return parts[0]!;
      return (random, extra) => {
        let out = '';
        for (let i = 0; i < parts.length; i++) out += parts[i]!(random, extra);
        return out;
      };
    }
    case 'alt': {
      const options = node.options.map(compileNode);
      return (random, extra) => options[random.nextInt(options.length)]!(random, extra);
    }
    case 'rep': {
      const inner = compileNode(node.node);
      const { min, max } = node;
      return (random, extra) => {
        const hi = max ?? min + extra;
        const n = min + random.nextInt(hi - min + 1);
        let out = '';
        for (let i = 0; i < n; i++) out += inner(random, extra);
        return out;
      };
    }
  }
}
