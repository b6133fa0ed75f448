// One connector: status and tasks with their workers, traces, actions, config editor, offsets and metrics.
import { useState } from 'preact/hooks';
import {
  api,
  type ConnectorInfo,
  type ConnectorOffsets,
  type ConnectorStatus,
  enc,
  get,
  type MetricsHistory,
  type TaskSample,
} from '../api';
import { LineChart, type Series } from '../chart';
import { ConfigEditor } from '../config-editor';
import { Badge, ErrorNote, Link, Section, act, confirmAction, firstLine, navigate, usePoll } from '../util';

export function Connector({ name }: { name: string }) {
  const base = `/connectors/${enc(name)}`;
  const { data, error, reload } = usePoll(async () => {
    const [status, info] = await Promise.all([get<ConnectorStatus>(`${base}/status`), get<ConnectorInfo>(base)]);
    return { status, info };
  }, [name]);
  const [tab, setTab] = useState<'status' | 'config' | 'offsets' | 'metrics'>('status');
  if (!data) return <div class="page">{error ? <ErrorNote error={error} /> : <p class="loading">Loading…</p>}</div>;
  const { status, info } = data;
  const run = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    await act(what, fn);
    reload();
  };
  const restart = (q: string, what: string) => run(what, () => api('POST', `${base}/restart${q}`));
  const state = status.connector.state;
  const failedTasks = status.tasks.filter((t) => t.state === 'FAILED').length;
  return (
    <div class="page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link to="/connectors">Connectors</Link> / <span aria-current="page">{name}</span>
      </nav>
      <div class="page-head">
        <h1>
          {name} <Badge state={state} />
        </h1>
        <span class="muted">
          {status.type} · <code>{info.config['connector.class']}</code>
        </span>
      </div>
      <ErrorNote error={error} />
      <div class="toolbar" role="toolbar" aria-label="Connector actions">
        <button
          type="button"
          onClick={() => restart('?includeTasks=true&onlyFailed=true', 'Restart of the failed instances requested')}
          disabled={state !== 'FAILED' && failedTasks === 0}
        >
          Restart failed
        </button>
        <button
          type="button"
          onClick={() => restart('?includeTasks=true', 'Restart of the connector and its tasks requested')}
        >
          Restart all
        </button>
        <button type="button" onClick={() => restart('', 'Connector restarted')}>
          Restart connector
        </button>
        {state === 'PAUSED' || state === 'STOPPED' ? (
          <button type="button" onClick={() => run('Resume requested', () => api('PUT', `${base}/resume`))}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => run('Pause requested', () => api('PUT', `${base}/pause`))}>
            Pause
          </button>
        )}
        <button
          type="button"
          disabled={state === 'STOPPED'}
          onClick={async () => {
            if (
              await confirmAction(
                `Stop ${name}?`,
                'Its tasks shut down; the config is kept and offsets can then be edited.',
                'Stop',
                true,
              )
            )
              await run('Stopped', () => api('PUT', `${base}/stop`));
          }}
        >
          Stop
        </button>
        <button
          type="button"
          class="danger"
          onClick={async () => {
            if (
              !(await confirmAction(
                `Delete ${name}?`,
                'The connector and its tasks are removed. Its offsets stay.',
                'Delete',
                true,
              ))
            )
              return;
            if (await act(`Delete ${name}`, () => api('DELETE', base))) navigate('/connectors');
          }}
        >
          Delete
        </button>
      </div>
      <div class="tabs" role="tablist" aria-label="Connector sections">
        {(['status', 'config', 'offsets', 'metrics'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      {tab === 'status' ? (
        <StatusPanel
          status={status}
          onRestartTask={(id) => run(`Restart task ${id}`, () => api('POST', `${base}/tasks/${id}/restart`))}
        />
      ) : null}
      {tab === 'config' ? (
        <Section title="Configuration">
          <ConfigEditor
            key={JSON.stringify(info.config)}
            plugin={info.config['connector.class'] ?? ''}
            initial={info.config}
            mode="edit"
            onApply={async (config) => {
              const ok = await act('Config applied', () => api('PUT', `${base}/config`, config));
              reload();
              return ok;
            }}
          />
        </Section>
      ) : null}
      {tab === 'offsets' ? <Offsets name={name} state={state} /> : null}
      {tab === 'metrics' ? <Metrics name={name} /> : null}
    </div>
  );
}

function StatusPanel({ status, onRestartTask }: { status: ConnectorStatus; onRestartTask(id: number): void }) {
  return (
    <Section title="Status">
      <table>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">State</th>
            <th scope="col">Worker</th>
            <th scope="col">Trace</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>connector</td>
            <td>
              <Badge state={status.connector.state} />
            </td>
            <td>
              <code>{status.connector.worker_id || '—'}</code>
            </td>
            <td class="wrap">
              {status.connector.trace ? <Trace trace={status.connector.trace} label="connector" /> : '—'}
            </td>
            <td />
          </tr>
          {status.tasks.map((t) => (
            <tr key={t.id}>
              <td>task {t.id}</td>
              <td>
                <Badge state={t.state} />
              </td>
              <td>
                <code>{t.worker_id || '—'}</code>
              </td>
              <td class="wrap">{t.trace ? <Trace trace={t.trace} label={`task ${t.id}`} /> : '—'}</td>
              <td>
                <button type="button" onClick={() => onRestartTask(t.id)}>
                  Restart task {t.id}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {status.tasks.length === 0 ? <p class="muted">No tasks.</p> : null}
    </Section>
  );
}

function Trace({ trace, label }: { trace: string; label: string }) {
  return (
    <details class="trace">
      <summary>
        <code>{firstLine(trace)}</code> <span class="sr-only">: full trace of {label}</span>
      </summary>
      <pre>{trace}</pre>
    </details>
  );
}

function Offsets({ name, state }: { name: string; state: string }) {
  const base = `/connectors/${enc(name)}/offsets`;
  const { data, error, reload } = usePoll(() => get<ConnectorOffsets>(base), [name], 0);
  const [text, setText] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const stopped = state === 'STOPPED';
  const shown = text ?? JSON.stringify(data ?? { offsets: [] }, null, 2);
  const save = async (): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(shown);
      setParseError(null);
    } catch (e) {
      setParseError(`Invalid JSON: ${(e as Error).message}`);
      return;
    }
    if (await act('Offsets altered', () => api('PATCH', base, body))) {
      setText(null);
      reload();
    }
  };
  const reset = async (): Promise<void> => {
    if (
      !(await confirmAction(
        `Reset the offsets of ${name}?`,
        'The connector starts over from the beginning when resumed.',
        'Reset offsets',
        true,
      ))
    )
      return;
    if (await act('Offsets reset', () => api('DELETE', base))) {
      setText(null);
      reload();
    }
  };
  return (
    <Section
      title="Offsets"
      actions={
        <>
          <button type="button" onClick={reload}>
            Refresh
          </button>
          <button type="button" onClick={() => void save()} disabled={!stopped || text === null}>
            Save offsets
          </button>
          <button type="button" class="danger" onClick={() => void reset()} disabled={!stopped}>
            Reset offsets
          </button>
        </>
      }
    >
      <ErrorNote error={error} />
      {!stopped ? <p class="muted">Offsets can be edited or reset once the connector is STOPPED (KIP-875).</p> : null}
      {data && data.offsets.length === 0 ? (
        <p class="muted" role="status">
          No committed offsets.
        </p>
      ) : null}
      <label for="offsets-json" class="block">
        Offsets as JSON ({'{"offsets": [{"partition": …, "offset": …}]}'}; a null offset removes one)
      </label>
      <textarea
        id="offsets-json"
        class="json"
        rows={12}
        spellcheck={false}
        readOnly={!stopped}
        value={shown}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <ErrorNote error={parseError} />
    </Section>
  );
}

function rate(points: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < points.length; i++) {
    const [t0, v0] = points[i - 1]!;
    const [t1, v1] = points[i]!;
    if (t1 > t0) out.push([t1, Math.max(0, ((v1 - v0) * 1000) / (t1 - t0))]);
  }
  return out;
}

/** Records per poll() between consecutive samples (source-task-metrics' batch size). */
function batchSize(samples: ReadonlyArray<{ at: number; t: TaskSample }>): Series {
  const points: Array<[number, number]> = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!.t;
    const b = samples[i]!.t;
    const polls = b.batches - a.batches;
    if (polls > 0) points.push([samples[i]!.at, (b.polled - a.polled) / polls]);
  }
  return { label: 'records per poll', points };
}

function Metrics({ name }: { name: string }) {
  const { data, error } = usePoll(() => get<MetricsHistory>('/tributary/metrics/history'), [name], 2000);
  if (!data) return <ErrorNote error={error} />;
  const tasks = new Map<
    number,
    { type: string; samples: Array<{ at: number; t: MetricsHistory['samples'][number]['tasks'][number] }> }
  >();
  for (const s of data.samples)
    for (const t of s.tasks) {
      if (t.connector !== name) continue;
      const e = tasks.get(t.task) ?? { type: t.type, samples: [] };
      e.samples.push({ at: s.at, t });
      tasks.set(t.task, e);
    }
  if (tasks.size === 0)
    return (
      <Section title="Metrics">
        <p class="muted">
          No task of {name} runs on this worker ({data.worker_id}); each worker keeps the last minutes of its own tasks.
        </p>
      </Section>
    );
  return (
    <>
      {[...tasks].map(([id, e]) => {
        const pts = (f: (t: (typeof e.samples)[number]['t']) => number): Array<[number, number]> =>
          e.samples.map((s) => [s.at, f(s.t)]);
        const latest = e.samples[e.samples.length - 1]!.t;
        const counter = (label: string, f: (t: typeof latest) => number): Series => ({
          label,
          points: rate(pts(f)),
          total: f(latest),
        });
        const throughput: Series[] =
          e.type === 'source'
            ? [counter('polled', (t) => t.polled), counter('written', (t) => t.written)]
            : [counter('read', (t) => t.read), counter('put', (t) => t.put)];
        const errors: Series[] = [counter('errors', (t) => t.errors), counter('DLQ writes', (t) => t.dlq)];
        const lagKeys = new Set(e.samples.flatMap((s) => s.t.lag.map((l) => `${l.topic}-${l.partition}`)));
        const lag: Series[] = [...lagKeys].map((k) => ({
          label: k,
          points: e.samples.map((s) => [s.at, s.t.lag.find((l) => `${l.topic}-${l.partition}` === k)?.lag ?? 0]),
        }));
        return (
          <Section key={id} title={`Task ${id} metrics (${data.worker_id})`}>
            <div class="charts">
              <LineChart title="Records per second" series={throughput} unit="rec/s" />
              <LineChart title="Errors and DLQ writes per second" series={errors} unit="/s" />
              {e.type === 'sink' ? (
                <LineChart title="Sink lag per partition" series={lag} unit="records" />
              ) : (
                <LineChart title="Average poll batch size" series={[batchSize(e.samples)]} unit="records" />
              )}
            </div>
          </Section>
        );
      })}
    </>
  );
}
