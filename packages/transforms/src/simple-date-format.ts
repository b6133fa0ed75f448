/**
 * java.text.SimpleDateFormat for the UTC time zone and English names, as Kafka Connect's
 * TimestampConverter and TimestampRouter use it: the same pattern letters, quoting ('text', ''),
 * field widths, two-digit years, abutting numeric fields and lenient parsing that ignores
 * trailing text. Dates use the proleptic Gregorian calendar (Java switches to Julian before 1582).
 */

const PATTERN_LETTERS = 'GyYMLwWDdFEuaHkKhmsSzZX';
const NUMERIC_LETTERS = 'yYwWDdFuHkKhmsS';
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MS_PER_DAY = 86_400_000;

type Token = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

export class DateFormatParseException extends Error {
  constructor(
    message: string,
    readonly errorOffset: number,
  ) {
    super(message);
    this.name = 'ParseException';
  }
}

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  const literal = (t: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += t;
    else tokens.push({ kind: 'literal', text: t });
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new Error('Unterminated quote');
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j++];
      }
      literal(text);
      i = j + 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!PATTERN_LETTERS.includes(c)) throw new Error(`Illegal pattern character '${c}'`);
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else {
      literal(c);
      i++;
    }
  }
  return tokens;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - utc(d.getUTCFullYear(), 0, 1)) / MS_PER_DAY) + 1;
}

function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(h, m, s, ms);
  return d.getTime();
}

/** Week-of-year and week-year with US rules (weeks start on Sunday; week 1 contains January 1). */
function weekOfYear(d: Date): { week: number; weekYear: number } {
  const year = d.getUTCFullYear();
  const dow = d.getUTCDay();
  const saturday = d.getTime() + (6 - dow) * MS_PER_DAY;
  if (saturday >= utc(year + 1, 0, 1)) return { week: 1, weekYear: year + 1 };
  const jan1Dow = new Date(utc(year, 0, 1)).getUTCDay();
  return { week: Math.floor((dayOfYear(d) - 1 + jan1Dow) / 7) + 1, weekYear: year };
}

function twoDigitOr(year: number, count: number): string {
  return count === 2 ? pad(((year % 100) + 100) % 100, 2) : pad(year, count);
}

function formatField(d: Date, letter: string, count: number): string {
  const year = d.getUTCFullYear();
  switch (letter) {
    case 'G':
      return year > 0 ? 'AD' : 'BC';
    case 'y':
      return twoDigitOr(year > 0 ? year : 1 - year, count);
    case 'Y':
      return twoDigitOr(weekOfYear(d).weekYear, count);
    case 'M':
    case 'L': {
      const m = d.getUTCMonth();
      if (count >= 4) return MONTHS[m]!;
      if (count === 3) return MONTHS[m]!.slice(0, 3);
      return pad(m + 1, count);
    }
    case 'w':
      return pad(weekOfYear(d).week, count);
    case 'W':
      return pad(Math.floor((d.getUTCDate() - 1 + new Date(utc(year, d.getUTCMonth(), 1)).getUTCDay()) / 7) + 1, count);
    case 'D':
      return pad(dayOfYear(d), count);
    case 'd':
      return pad(d.getUTCDate(), count);
    case 'F':
      return pad(Math.floor((d.getUTCDate() - 1) / 7) + 1, count);
    case 'E':
      return count >= 4 ? DAYS[d.getUTCDay()]! : DAYS[d.getUTCDay()]!.slice(0, 3);
    case 'u':
      return pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), count);
    case 'a':
      return d.getUTCHours() < 12 ? 'AM' : 'PM';
    case 'H':
      return pad(d.getUTCHours(), count);
    case 'k':
      return pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), count);
    case 'K':
      return pad(d.getUTCHours() % 12, count);
    case 'h':
      return pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, count);
    case 'm':
      return pad(d.getUTCMinutes(), count);
    case 's':
      return pad(d.getUTCSeconds(), count);
    case 'S':
      return pad(d.getUTCMilliseconds(), count);
    case 'z':
      return count >= 4 ? 'Coordinated Universal Time' : 'UTC';
    case 'Z':
      return '+0000';
    case 'X':
      return 'Z';
    default:
      throw new Error(`Illegal pattern character '${letter}'`);
  }
}

interface Parsed {
  era?: number;
  year?: number;
  yearDigits?: number;
  month?: number;
  day?: number;
  dayOfYear?: number;
  hour24?: number;
  hour12?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  milli?: number;
  offsetMinutes?: number;
}

function matchName(text: string, pos: number, names: readonly string[]): { index: number; length: number } | null {
  let best: { index: number; length: number } | null = null;
  names.forEach((name, index) => {
    if (text.length - pos >= name.length && text.slice(pos, pos + name.length).toLowerCase() === name.toLowerCase()) {
      if (!best || name.length > best.length) best = { index, length: name.length };
    }
  });
  return best;
}

/** A compiled SimpleDateFormat pattern, formatting and parsing in UTC. */
export class SimpleDateFormat {
  readonly #pattern: string;
  readonly #tokens: Token[];

  /** Throws an Error naming the problem (Java's IllegalArgumentException) for a bad pattern. */
  constructor(pattern: string) {
    this.#pattern = pattern;
    this.#tokens = compile(pattern);
  }

  toPattern(): string {
    return this.#pattern;
  }

  format(date: Date): string {
    let out = '';
    for (const t of this.#tokens) out += t.kind === 'literal' ? t.text : formatField(date, t.letter, t.count);
    return out;
  }

  /** Parses as SimpleDateFormat.parse(String): lenient, trailing text ignored; throws DateFormatParseException. */
  parse(text: string): Date {
    const p: Parsed = {};
    let pos = 0;
    const fail = (at: number): never => {
      throw new DateFormatParseException(`Unparseable date: "${text}"`, at);
    };
    for (let i = 0; i < this.#tokens.length; i++) {
      const t = this.#tokens[i]!;
      if (t.kind === 'literal') {
        if (!text.startsWith(t.text, pos)) fail(pos);
        pos += t.text.length;
        continue;
      }
      const next = this.#tokens[i + 1];
      const abutting =
        next?.kind === 'field' &&
        (NUMERIC_LETTERS.includes(next.letter) || ((next.letter === 'M' || next.letter === 'L') && next.count <= 2));
      const readNumber = (): number => {
        let end = pos;
        const limit = abutting ? pos + t.count : text.length;
        if (text[end] === '-' || text[end] === '+') end++;
        const digitsStart = end;
        while (end < limit && end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
        if (end === digitsStart) fail(pos);
        const n = Number(text.slice(pos, end));
        p.yearDigits = end - digitsStart;
        pos = end;
        return n;
      };
      switch (t.letter) {
        case 'G': {
          const m = matchName(text, pos, ['BC', 'AD']);
          if (!m) fail(pos);
          p.era = m!.index;
          pos += m!.length;
          break;
        }
        case 'y':
        case 'Y': {
          const start = pos;
          const n = readNumber();
          const digits = pos - start;
          if (t.count <= 2 && digits === 2 && /^\d\d$/.test(text.slice(start, pos))) {
            // Two-digit years land within 80 years before and 20 years after now, as SimpleDateFormat does.
            const centuryStart = new Date().getUTCFullYear() - 80;
            let y = Math.floor(centuryStart / 100) * 100 + n;
            if (y < centuryStart) y += 100;
            p.year = y;
          } else p.year = n;
          break;
        }
        case 'M':
        case 'L':
          if (t.count >= 3) {
            const m = matchName(text, pos, [...MONTHS, ...MONTHS.map((n) => n.slice(0, 3))]);
            if (!m) fail(pos);
            p.month = (m!.index % 12) + 1;
            pos += m!.length;
          } else p.month = readNumber();
          break;
        case 'd':
          p.day = readNumber();
          break;
        case 'D':
          p.dayOfYear = readNumber();
          break;
        case 'w':
        case 'W':
        case 'F':
        case 'u':
          readNumber();
          break;
        case 'E': {
          const m = matchName(text, pos, [...DAYS, ...DAYS.map((n) => n.slice(0, 3))]);
          if (!m) fail(pos);
          pos += m!.length;
          break;
        }
        case 'a': {
          const m = matchName(text, pos, ['AM', 'PM']);
          if (!m) fail(pos);
          p.pm = m!.index === 1;
          pos += m!.length;
          break;
        }
        case 'H':
          p.hour24 = readNumber();
          break;
        case 'k': {
          const h = readNumber();
          p.hour24 = h === 24 ? 0 : h;
          break;
        }
        case 'K':
          p.hour12 = readNumber();
          break;
        case 'h': {
          const h = readNumber();
          p.hour12 = h === 12 ? 0 : h;
          break;
        }
        case 'm':
          p.minute = readNumber();
          break;
        case 's':
          p.second = readNumber();
          break;
        case 'S':
          p.milli = readNumber();
          break;
        case 'z':
        case 'Z':
        case 'X': {
          const r = parseZone(text, pos, t.letter);
          if (!r) fail(pos);
          p.offsetMinutes = r!.offset;
          pos = r!.end;
          break;
        }
        default:
          fail(pos);
      }
    }
    let year = p.year ?? 1970;
    if (p.era === 0) year = 1 - year;
    let hour = p.hour24 ?? 0;
    if (p.hour24 === undefined && p.hour12 !== undefined) hour = p.hour12 + (p.pm ? 12 : 0);
    else if (p.hour24 === undefined && p.pm) hour = 12;
    const ms =
      p.dayOfYear !== undefined && p.month === undefined && p.day === undefined
        ? utc(year, 0, p.dayOfYear, hour, p.minute ?? 0, p.second ?? 0, p.milli ?? 0)
        : utc(year, (p.month ?? 1) - 1, p.day ?? 1, hour, p.minute ?? 0, p.second ?? 0, p.milli ?? 0);
    return new Date(ms - (p.offsetMinutes ?? 0) * 60_000);
  }
}

function parseZone(text: string, pos: number, letter: string): { offset: number; end: number } | null {
  const rest = text.slice(pos);
  if (letter === 'X' && rest.startsWith('Z')) return { offset: 0, end: pos + 1 };
  if (letter === 'z') {
    for (const name of ['Coordinated Universal Time', 'UTC', 'GMT', 'UT', 'Z']) {
      if (rest.startsWith(name)) {
        const after = parseOffset(rest.slice(name.length), true);
        if (after && name === 'GMT') return { offset: after.offset, end: pos + name.length + after.length };
        return { offset: 0, end: pos + name.length };
      }
    }
  }
  const o = parseOffset(rest, letter !== 'Z');
  return o ? { offset: o.offset, end: pos + o.length } : null;
}

function parseOffset(s: string, allowColon: boolean): { offset: number; length: number } | null {
  const m = (allowColon ? /^([+-])(\d{2})(?::?(\d{2}))?/ : /^([+-])(\d{2})(\d{2})/).exec(s);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return { offset: m[1] === '-' ? -minutes : minutes, length: m[0].length };
}
