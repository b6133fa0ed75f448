/** Joda-Time DateTimeFormat patterns and time-zone bucketing, for TimeBasedPartitioner's path.format and partition.duration.ms. */
import { normalizeTimeZone } from './config.js';

/**
 * Joda-Time's DateTimeFormat patterns (what TimeBasedPartitioner's path.format is written in),
 * formatted in a time zone and locale. Letters follow Joda, not java.text: `Y` is year of era,
 * `x` week-year, `e` ISO day-of-week number; `'…'` quotes literal text and `''` is a quote.
 */
type Token = { literal: string } | { letter: string; count: number };

const LETTERS = 'GCYxwyeEDMdaKhHkmsSzZ';

export function parseJodaPattern(pattern: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out.push({ literal: "'" });
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) throw new Error(`Unterminated quote in pattern: ${pattern}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      out.push({ literal: text });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.includes(c)) throw new Error(`Illegal pattern component: ${c}`);
      let j = i;
      while (pattern[j] === c) j++;
      out.push({ letter: c, count: j - i });
      i = j;
      continue;
    }
    out.push({ literal: c });
    i++;
  }
  return out;
}

interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  dow: number; // 1 = Monday … 7 = Sunday (ISO, as Joda)
  doy: number;
  offsetMinutes: number;
}

const MS_PER_DAY = 86_400_000;

/** Offset of `zone` from UTC at instant `ms`, in minutes (positive east of Greenwich). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  // Zone transitions fall on quarter hours, so one lookup serves a whole quarter hour.
  const key = `${zone}|${Math.floor(ms / 900_000)}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  if (offsetCache.size > 50_000) offsetCache.clear();
  const v = computeOffset(zone, ms);
  offsetCache.set(key, v);
  return v;
}

const offsetCache = new Map<string, number>();

function computeOffset(zone: string, ms: number): number {
  const tz = normalizeTimeZone(zone);
  if (tz === 'UTC' || tz === 'GMT' || tz === 'Z') return 0;
  const fixed = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  const parts = dtf(tz).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function dtf(tz: string): Intl.DateTimeFormat {
  let f = dtfCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    dtfCache.set(tz, f);
  }
  return f;
}

function fieldsAt(ms: number, zone: string): Fields {
  const offsetMinutes = zoneOffsetMinutes(zone, ms);
  const d = new Date(ms + offsetMinutes * 60_000);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    dow: ((d.getUTCDay() + 6) % 7) + 1,
    doy: Math.floor((dayStart - startOfYear) / MS_PER_DAY) + 1,
    offsetMinutes,
  };
}

/** ISO week-year and week of the local date (weeks start Monday; week 1 holds the first Thursday). */
function isoWeek(f: Fields): { weekYear: number; week: number } {
  const date = Date.UTC(f.year, f.month - 1, f.day);
  const thursday = date + (4 - f.dow) * MS_PER_DAY;
  const weekYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * MS_PER_DAY)) + 1;
  return { weekYear, week };
}

const pad = (n: number, width: number): string => {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
};

function toLocaleTag(locale: string): string {
  const tag = locale.replace(/_/g, '-');
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/** Formats instants with one Joda pattern in one zone and locale; text fields use the locale. */
export class JodaFormatter {
  readonly #tokens: Token[];
  readonly #zone: string;
  readonly #locale: string;
  readonly #textCache = new Map<string, string>();

  constructor(pattern: string, zone: string, locale: string) {
    this.#tokens = parseJodaPattern(pattern);
    this.#zone = zone || 'UTC';
    this.#locale = toLocaleTag(locale || 'en');
  }

  #text(
    kind: 'month' | 'weekday' | 'era' | 'dayPeriod' | 'zone',
    style: 'long' | 'short',
    ms: number,
    key: string,
  ): string {
    const cacheKey = `${kind}:${style}:${key}`;
    const hit = this.#textCache.get(cacheKey);
    if (hit !== undefined) return hit;
    const opts: Intl.DateTimeFormatOptions = { timeZone: normalizeTimeZone(this.#zone) };
    if (kind === 'month') opts.month = style;
    else if (kind === 'weekday') opts.weekday = style;
    else if (kind === 'era') opts.era = 'short';
    else if (kind === 'dayPeriod') opts.hour = 'numeric';
    else opts.timeZoneName = style;
    const parts = new Intl.DateTimeFormat(this.#locale, {
      ...opts,
      ...(kind === 'dayPeriod' ? { hour12: true } : {}),
    }).formatToParts(new Date(ms));
    const type = kind === 'zone' ? 'timeZoneName' : kind === 'dayPeriod' ? 'dayPeriod' : kind;
    const v = parts.find((p) => p.type === type)?.value ?? '';
    if (kind !== 'zone') this.#textCache.set(cacheKey, v);
    return v;
  }

  format(ms: number): string {
    const f = fieldsAt(ms, this.#zone);
    let out = '';
    for (const t of this.#tokens) {
      if ('literal' in t) {
        out += t.literal;
        continue;
      }
      const n = t.count;
      switch (t.letter) {
        case 'G':
          out += this.#text('era', 'short', ms, String(f.year > 0));
          break;
        case 'C':
          out += pad(Math.floor(f.year / 100), n);
          break;
        case 'Y':
        case 'y':
          out += n === 2 ? pad(((f.year % 100) + 100) % 100, 2) : pad(f.year, n);
          break;
        case 'x': {
          const wy = isoWeek(f).weekYear;
          out += n === 2 ? pad(((wy % 100) + 100) % 100, 2) : pad(wy, n);
          break;
        }
        case 'w':
          out += pad(isoWeek(f).week, n);
          break;
        case 'e':
          out += pad(f.dow, n);
          break;
        case 'E':
          out += this.#text('weekday', n >= 4 ? 'long' : 'short', ms, `${f.dow}`);
          break;
        case 'D':
          out += pad(f.doy, n);
          break;
        case 'M':
          out += n >= 3 ? this.#text('month', n >= 4 ? 'long' : 'short', ms, `${f.month}`) : pad(f.month, n);
          break;
        case 'd':
          out += pad(f.day, n);
          break;
        case 'a':
          out += this.#text('dayPeriod', 'short', ms, f.hour < 12 ? 'am' : 'pm');
          break;
        case 'K':
          out += pad(f.hour % 12, n);
          break;
        case 'h':
          out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n);
          break;
        case 'H':
          out += pad(f.hour, n);
          break;
        case 'k':
          out += pad(f.hour === 0 ? 24 : f.hour, n);
          break;
        case 'm':
          out += pad(f.minute, n);
          break;
        case 's':
          out += pad(f.second, n);
          break;
        case 'S':
          out += pad(f.ms, 3).slice(0, n).padEnd(n, '0');
          break;
        case 'z':
          out += this.#zone === 'UTC' ? 'UTC' : this.#text('zone', n >= 4 ? 'long' : 'short', ms, '');
          break;
        case 'Z': {
          if (n >= 3) {
            out += this.#zone;
            break;
          }
          if (f.offsetMinutes === 0 && n === 1) {
            out += '+0000';
            break;
          }
          const sign = f.offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(f.offsetMinutes);
          out += `${sign}${pad(Math.floor(abs / 60), 2)}${n === 2 ? ':' : ''}${pad(abs % 60, 2)}`;
          break;
        }
      }
    }
    return out;
  }
}

/**
 * The start of the partition `ms` falls in, as TimeBasedPartitioner.getPartition: local time is
 * floored to a multiple of the duration, then converted back to UTC.
 */
export function partitionStart(ms: number, durationMs: number, zone: string): number {
  const local = ms + zoneOffsetMinutes(zone, ms) * 60_000;
  // Java's long division truncates toward zero.
  const floored = Math.trunc(local / durationMs) * durationMs;
  const guess = floored - zoneOffsetMinutes(zone, floored) * 60_000;
  return floored - zoneOffsetMinutes(zone, guess) * 60_000;
}
