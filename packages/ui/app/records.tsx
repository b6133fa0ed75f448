// Record decoding and the record table shared by the topic and dead letter queue pages.
import type { ComponentChildren } from 'preact';
import { type DecodedPart, enc, type WireRecord } from './api';
import { Link } from './util';

/** The registry formats are decoded by the worker (its registry converters); the others here in the browser. */
export type RegistryDecoding = 'avro' | 'json-schema' | 'protobuf';
export type Decoding = 'json' | 'string' | 'bytes' | RegistryDecoding;
export const REGISTRY_DECODINGS: Array<{ value: RegistryDecoding; label: string }> = [
  { value: 'avro', label: 'Avro' },
  { value: 'json-schema', label: 'JSON Schema' },
  { value: 'protobuf', label: 'Protobuf' },
];

export function isRegistryDecoding(d: Decoding): d is RegistryDecoding {
  return d === 'avro' || d === 'json-schema' || d === 'protobuf';
}

function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decodes a base64 value as the user picked: JSON (pretty, or the string when it is not JSON), UTF-8 text or hex bytes. */
export function decode(b64: string | null, how: Decoding): string {
  if (b64 === null) return 'null';
  const bytes = bytesOf(b64);
  if (how === 'bytes' || isRegistryDecoding(how))
    return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = new TextDecoder().decode(bytes);
  if (how === 'string') return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** JSON text indented without parsing it, so numbers beyond 2^53 show as the worker wrote them. */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const nl = (): string => `\n${'  '.repeat(depth)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) {
        out += c + close;
        i++;
        continue;
      }
      depth++;
      out += c + nl();
    } else if (c === '}' || c === ']') {
      depth--;
      out += nl() + c;
    } else if (c === ',') out += `,${nl()}`;
    else if (c === ':') out += ': ';
    else if (c.trim() !== '') out += c;
  }
  return out;
}

/** A key or value the worker decoded with a registry converter: the value with its schema id and subject, or the error with the raw bytes. */
function DecodedCell(props: { b64: string | null; part: DecodedPart | null | undefined; isKey: boolean }) {
  const { b64, part } = props;
  if (!part) return <pre>{b64 === null ? 'null' : decode(b64, 'bytes') || 'null'}</pre>;
  if ('error' in part) {
    // A plain key (StringConverter beside a registry value converter) is text, not an error.
    if (props.isKey && !part.wire_format) return <pre>{decode(b64, 'string')}</pre>;
    return (
      <div class="decode-error">
        <p class="bad" role="note">
          {part.error}
        </p>
        <p class="muted">Raw bytes:</p>
        <pre>{decode(b64, 'bytes')}</pre>
      </div>
    );
  }
  return (
    <>
      <p class="schema-ref">
        schema id <code>{part.schema_id}</code>
        {part.subject ? (
          <>
            {' · '}
            <Link to={`/schemas/${enc(part.subject)}${part.version ? `?version=${part.version}` : ''}`}>
              {part.subject}
              {part.version ? ` v${part.version}` : ''}
            </Link>
          </>
        ) : null}
      </p>
      <pre>{indentJson(part.value)}</pre>
    </>
  );
}

export function headerText(b64: string | null): string {
  return b64 === null ? 'null' : new TextDecoder().decode(bytesOf(b64));
}

/** A header name that wraps only after its separators (`task.generation`, not `task.generat` / `ion`). */
function HeaderName(props: { name: string }) {
  const parts = props.name.split(/(?<=[.\-_])/);
  return <dt>{parts.flatMap((p, i) => (i > 0 ? [<wbr key={i} />, p] : [p]))}</dt>;
}

export function RecordsTable(props: {
  records: WireRecord[];
  decoding: Decoding;
  select?: { selected: Set<string>; toggle(id: string): void };
  headerFilter?: (key: string) => boolean;
  extra?: (r: WireRecord) => ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class="records">
        <thead>
          <tr>
            {props.select ? (
              <th scope="col">
                <span class="sr-only">Select</span>
              </th>
            ) : null}
            <th scope="col">Partition@offset</th>
            <th scope="col">Timestamp</th>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Headers</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r) => {
            const id = `${r.partition}@${r.offset}`;
            return (
              <tr key={id}>
                {props.select ? (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select record ${id}`}
                      checked={props.select.selected.has(id)}
                      onChange={() => props.select!.toggle(id)}
                    />
                  </td>
                ) : null}
                <td>
                  <code>{id}</code>
                </td>
                <td>{new Date(r.timestamp).toISOString().replace('T', ' ').replace('Z', '')}</td>
                <td class="wrap key">
                  {isRegistryDecoding(props.decoding) && r.decoded ? (
                    <DecodedCell b64={r.key} part={r.decoded.key} isKey />
                  ) : (
                    <pre>{decode(r.key, props.decoding)}</pre>
                  )}
                </td>
                <td class="wrap">
                  {isRegistryDecoding(props.decoding) && r.decoded ? (
                    <DecodedCell b64={r.value} part={r.decoded.value} isKey={false} />
                  ) : (
                    <pre>{decode(r.value, props.decoding)}</pre>
                  )}
                  {props.extra?.(r)}
                </td>
                <td class="wrap">
                  {r.headers.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <dl class="headers">
                      {r.headers
                        .filter((h) => !props.headerFilter || props.headerFilter(h.key))
                        .map((h, i) => (
                          <div key={i}>
                            <HeaderName name={h.key} />
                            <dd>{headerText(h.value)}</dd>
                          </div>
                        ))}
                    </dl>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** `registry`: offer the registry formats (null: no registry configured, shown disabled with the reason). */
export function DecodingPicker(props: { value: Decoding; onChange(d: Decoding): void; registry?: boolean | null }) {
  return (
    <label>
      Decode as
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Decoding)}>
        <option value="json">JSON</option>
        <option value="string">string</option>
        <option value="bytes">bytes</option>
        {props.registry === undefined
          ? null
          : REGISTRY_DECODINGS.map((d) => (
              <option key={d.value} value={d.value} disabled={!props.registry}>
                {props.registry ? `${d.label} (registry)` : `${d.label} (no registry)`}
              </option>
            ))}
      </select>
    </label>
  );
}
