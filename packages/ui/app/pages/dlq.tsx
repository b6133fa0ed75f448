// Dead letter queues: records with their __connect.errors.* headers, decoded here or by the worker's registry converters, and re-sending selected ones to their original topic.
import { useState } from 'preact/hooks';
import {
  api,
  type Expanded,
  enc,
  get,
  REGISTRY,
  type RegistryInfo,
  type ReplayResult,
  type TopicRecords,
  type WireRecord,
} from '../api';
import { type Decoding, DecodingPicker, RecordsTable, headerText, isRegistryDecoding } from '../records';
import { ErrorNote, Link, Section, confirmAction, navigate, notify, usePoll } from '../util';

const P = '__connect.errors.';

export function DeadLetterQueues({ topic }: { topic: string | null }) {
  const queues = usePoll(
    async () => {
      const all = await get<Expanded>('/connectors?expand=info');
      const out: Array<{ topic: string; connector: string }> = [];
      for (const [name, e] of Object.entries(all)) {
        const t = e.info?.config['errors.deadletterqueue.topic.name'];
        if (t) out.push({ topic: t, connector: name });
      }
      return out.sort((a, b) => a.topic.localeCompare(b.topic));
    },
    [],
    5000,
  );
  return (
    <div class="page">
      <h1>Dead letter queues</h1>
      <ErrorNote error={queues.error} />
      <Section title="Queues">
        {queues.data && queues.data.length === 0 ? (
          <p class="muted">No connector sets errors.deadletterqueue.topic.name.</p>
        ) : null}
        <ul class="plain">
          {(queues.data ?? []).map((q) => (
            <li key={`${q.topic}-${q.connector}`}>
              <Link to={`/dlq/${enc(q.topic)}`} aria-current={q.topic === topic ? 'page' : undefined}>
                {q.topic}
              </Link>{' '}
              <span class="muted">of {q.connector}</span>
            </li>
          ))}
        </ul>
      </Section>
      {topic ? <Queue topic={topic} /> : null}
    </div>
  );
}

function header(r: WireRecord, name: string): string | null {
  const h = r.headers.find((x) => x.key === P + name);
  return h ? headerText(h.value) : null;
}

function Queue({ topic }: { topic: string }) {
  const [decoding, setDecoding] = useState<Decoding>('json');
  const registry = usePoll(() => get<RegistryInfo>(REGISTRY), [], 0);
  // A record dead-lettered by a converter keeps its original bytes: Avro, JSON Schema or Protobuf are decoded by the
  // worker's registry converters, so choosing one reads the queue again.
  const format = isRegistryDecoding(decoding) ? decoding : null;
  const { data, error, reload } = usePoll(
    () => get<TopicRecords>(`/tributary/topics/${enc(topic)}/records?limit=100${format ? `&format=${format}` : ''}`),
    [topic, format],
    0,
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<ReplayResult[] | null>(null);
  const toggle = (id: string): void => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const resend = async (): Promise<void> => {
    const records = [...selected].map((id) => {
      const [p, o] = id.split('@');
      return { partition: Number(p), offset: Number(o) };
    });
    const ok = await confirmAction(
      `Re-send ${records.length} record${records.length === 1 ? '' : 's'}?`,
      'Each goes to the topic and partition in its __connect.errors.topic / .partition headers, without the error headers.',
      'Re-send',
    );
    if (!ok) return;
    try {
      const r = await api<{ results: ReplayResult[] }>('POST', `/tributary/dlq/${enc(topic)}/replay`, { records });
      setResults(r.results);
      const failed = r.results.filter((x) => x.error).length;
      notify(
        failed ? `${failed} record(s) could not be re-sent` : `Re-sent ${r.results.length} record(s)`,
        failed ? 'error' : 'ok',
      );
      setSelected(new Set());
      reload();
    } catch (e) {
      notify(`Re-send failed: ${(e as Error).message}`, 'error');
    }
  };
  return (
    <Section
      title={`${topic} (${data?.records.length ?? 0} most recent)`}
      actions={
        <>
          <DecodingPicker
            value={decoding}
            onChange={setDecoding}
            registry={registry.data ? registry.data.configured : null}
          />
          <button type="button" onClick={reload}>
            Refresh
          </button>
          <button type="button" class="primary" disabled={selected.size === 0} onClick={() => void resend()}>
            Re-send selected ({selected.size})
          </button>
          <button type="button" onClick={() => navigate(`/topics/${enc(topic)}`)}>
            Open as topic
          </button>
        </>
      }
    >
      <ErrorNote error={error} />
      {results ? (
        <ul class="results" aria-label="Re-send results">
          {results.map((r) => (
            <li key={`${r.partition}@${r.offset}`} class={r.error ? 'bad' : 'good'}>
              {r.partition}@{r.offset}: {r.error ? r.error : `re-sent to ${r.topic}-${r.target_partition}`}
            </li>
          ))}
        </ul>
      ) : null}
      {data ? (
        <RecordsTable
          records={[...data.records].reverse()}
          decoding={decoding}
          select={{ selected, toggle }}
          extra={(r) => (
            <dl class="dlq-context">
              <div>
                <dt>origin</dt>
                <dd>
                  {header(r, 'topic') ?? '?'}-{header(r, 'partition') ?? '?'}@{header(r, 'offset') ?? '?'}
                </dd>
              </div>
              <div>
                <dt>stage</dt>
                <dd>{header(r, 'stage') ?? '?'}</dd>
              </div>
              <div>
                <dt>class</dt>
                <dd>{header(r, 'class.name') ?? '?'}</dd>
              </div>
              <div>
                <dt>exception</dt>
                <dd>
                  {header(r, 'exception.class.name') ?? '?'}: {header(r, 'exception.message') ?? ''}
                </dd>
              </div>
            </dl>
          )}
          headerFilter={(k) => !k.startsWith(P) || k === `${P}connector.name`}
        />
      ) : null}
    </Section>
  );
}
