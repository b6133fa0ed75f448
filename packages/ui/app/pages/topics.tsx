// Topics: the last N records of a topic with key, value, headers and timestamp, decoded as JSON, string or bytes here, or by the worker's registry converters.
import { useState } from 'preact/hooks';
import { type Expanded, enc, get, REGISTRY, type RegistryInfo, type TopicRecords } from '../api';
import { type Decoding, DecodingPicker, RecordsTable, isRegistryDecoding } from '../records';
import { ErrorNote, Section, navigate, usePoll, inputValue } from '../util';

const DECODINGS = ['json', 'string', 'bytes', 'avro', 'json-schema', 'protobuf'];

export function Topics(props: { topic: string | null; limit: string | null; decode: string | null }) {
  const { topic, limit: initialLimit } = props;
  const [input, setInput] = useState(topic ?? '');
  const [limit, setLimit] = useState(initialLimit ?? '20');
  const [decoding, setDecoding] = useState<Decoding>(
    DECODINGS.includes(props.decode ?? '') ? (props.decode as Decoding) : 'json',
  );
  const registry = usePoll(() => get<RegistryInfo>(REGISTRY), [], 0);
  const known = usePoll(
    async () => {
      const all = await get<Expanded>('/connectors?expand=info');
      const names = new Set<string>();
      for (const e of Object.values(all)) {
        const c = e.info?.config ?? {};
        for (const k of ['topics', 'topic', 'kafka.topic', 'errors.deadletterqueue.topic.name'])
          for (const t of (c[k] ?? '').split(',')) if (t.trim()) names.add(t.trim());
      }
      return [...names].sort();
    },
    [],
    0,
  );
  const n = Math.max(1, Math.min(500, Number(initialLimit) || 20));
  // The registry formats are decoded by the worker, so choosing one reads the records again.
  const format = isRegistryDecoding(decoding) ? decoding : null;
  const { data, error, reload } = usePoll(
    () =>
      topic
        ? get<TopicRecords>(`/tributary/topics/${enc(topic)}/records?limit=${n}${format ? `&format=${format}` : ''}`)
        : Promise.resolve(null),
    [topic, n, format],
    0,
  );
  return (
    <div class="page">
      <h1>Topics</h1>
      <form
        class="filters"
        aria-label="Read a topic"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim())
            navigate(
              `/topics/${enc(input.trim())}?limit=${Math.max(1, Math.min(500, Number(limit) || 20))}&decode=${decoding}`,
            );
        }}
      >
        <label>
          Topic
          <input value={input} onInput={(e) => setInput(inputValue(e))} list="known-topics" required />
          <datalist id="known-topics">
            {(known.data ?? []).map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <label>
          Last
          <input type="number" min={1} max={500} value={limit} onInput={(e) => setLimit(inputValue(e))} />
        </label>
        <DecodingPicker
          value={decoding}
          onChange={setDecoding}
          registry={registry.data ? registry.data.configured : null}
        />
        <button type="submit" class="primary">
          Read
        </button>
        {topic ? (
          <button type="button" onClick={reload}>
            Refresh
          </button>
        ) : null}
      </form>
      <ErrorNote error={error} />
      {topic && data ? (
        <Section title={`${topic}: last ${data.records.length} record${data.records.length === 1 ? '' : 's'}`}>
          <p class="muted">
            {data.partitions
              .map((p) =>
                p.end > p.start
                  ? `partition ${p.partition}: offsets ${p.start}–${p.end - 1}`
                  : `partition ${p.partition}: empty`,
              )
              .join(' · ')}
          </p>
          {data.records.length === 0 ? (
            <p class="muted">No records in {topic} yet.</p>
          ) : (
            <RecordsTable records={data.records} decoding={decoding} />
          )}
        </Section>
      ) : null}
    </div>
  );
}
