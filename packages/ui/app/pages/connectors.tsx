// The connectors list: filter by state, type, plugin and name, sort, and bulk actions behind a confirmation.
import { useState } from 'preact/hooks';
import { api, enc, type Expanded, get, STATES } from '../api';
import { Badge, ErrorNote, Link, act, confirmAction, navigate, usePoll, inputValue } from '../util';

type SortKey = 'name' | 'state' | 'type' | 'plugin' | 'tasks';
type Bulk = 'pause' | 'resume' | 'stop' | 'restart' | 'delete';

const BULK: Record<Bulk, { label: string; done: string; run: (name: string) => Promise<unknown> }> = {
  pause: { label: 'Pause', done: 'Pause requested for', run: (n) => api('PUT', `/connectors/${enc(n)}/pause`) },
  resume: { label: 'Resume', done: 'Resume requested for', run: (n) => api('PUT', `/connectors/${enc(n)}/resume`) },
  stop: { label: 'Stop', done: 'Stopped', run: (n) => api('PUT', `/connectors/${enc(n)}/stop`) },
  restart: {
    label: 'Restart',
    done: 'Restart requested for',
    run: (n) => api('POST', `/connectors/${enc(n)}/restart?includeTasks=true`),
  },
  delete: { label: 'Delete', done: 'Deleted', run: (n) => api('DELETE', `/connectors/${enc(n)}`) },
};

export function Connectors() {
  const { data, error, reload } = usePoll(() => get<Expanded>('/connectors?expand=status&expand=info'), []);
  const [name, setName] = useState('');
  const [state, setState] = useState('');
  const [type, setType] = useState('');
  const [plugin, setPlugin] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const rows = Object.entries(data ?? {}).map(([n, e]) => ({
    name: n,
    state: e.status?.connector.state ?? 'UNASSIGNED',
    type: e.info?.type ?? e.status?.type ?? 'unknown',
    plugin: e.info?.config['connector.class'] ?? '',
    tasks: e.status?.tasks ?? [],
  }));
  const plugins = [...new Set(rows.map((r) => r.plugin))].sort();
  const shown = rows
    .filter(
      (r) =>
        r.name.toLowerCase().includes(name.toLowerCase()) &&
        (!state || r.state === state || r.tasks.some((t) => t.state === state)) &&
        (!type || r.type === type) &&
        (!plugin || r.plugin === plugin),
    )
    .sort((a, b) => {
      const v = (r: typeof a): string | number => (sort.key === 'tasks' ? r.tasks.length : r[sort.key]);
      const x = v(a);
      const y = v(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sort.desc ? -c : c;
    });
  const chosen = shown.filter((r) => selected.has(r.name)).map((r) => r.name);
  const toggle = (n: string): void => {
    const s = new Set(selected);
    if (s.has(n)) s.delete(n);
    else s.add(n);
    setSelected(s);
  };
  const bulk = async (what: Bulk): Promise<void> => {
    const b = BULK[what];
    const ok = await confirmAction(
      `${b.label} ${chosen.length} connector${chosen.length === 1 ? '' : 's'}?`,
      <ul>
        {chosen.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>,
      b.label,
      what === 'delete' || what === 'stop',
    );
    if (!ok) return;
    for (const c of chosen) await act(`${b.done} ${c}`, () => b.run(c));
    if (what === 'delete') setSelected(new Set());
    reload();
  };
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="sort" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })}>
        {label} {sort.key === key ? (sort.desc ? '▼' : '▲') : ''}
      </button>
    </th>
  );
  return (
    <div class="page">
      <div class="page-head">
        <h1>Connectors</h1>
        <button type="button" class="primary" onClick={() => navigate('/new')}>
          New connector
        </button>
      </div>
      <ErrorNote error={error} />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter connectors">
        <label>
          Name
          <input type="search" value={name} onInput={(e) => setName(inputValue(e))} placeholder="any" />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(inputValue(e))}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(inputValue(e))}>
            <option value="">any</option>
            <option>source</option>
            <option>sink</option>
          </select>
        </label>
        <label>
          Plugin
          <select value={plugin} onChange={(e) => setPlugin(inputValue(e))}>
            <option value="">any</option>
            {plugins.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
      </form>
      <div class="bulk" role="toolbar" aria-label="Actions on selected connectors">
        <span class="muted">{chosen.length} selected</span>
        {(Object.keys(BULK) as Bulk[]).map((k) => (
          <button
            key={k}
            type="button"
            class={k === 'delete' ? 'danger' : ''}
            disabled={chosen.length === 0}
            onClick={() => void bulk(k)}
          >
            {BULK[k].label}
          </button>
        ))}
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all shown connectors"
                  checked={shown.length > 0 && chosen.length === shown.length}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(shown.map((r) => r.name)) : new Set())}
                />
              </th>
              {header('name', 'Name')}
              {header('state', 'State')}
              {header('type', 'Type')}
              {header('plugin', 'Plugin')}
              {header('tasks', 'Tasks')}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.name}`}
                    checked={selected.has(r.name)}
                    onChange={() => toggle(r.name)}
                  />
                </td>
                <td>
                  <Link to={`/connectors/${enc(r.name)}`}>{r.name}</Link>
                </td>
                <td>
                  <Badge state={r.state} />
                </td>
                <td>{r.type}</td>
                <td class="wrap">
                  <code>{r.plugin}</code>
                </td>
                <td>
                  {r.tasks.map((t) => (
                    <Badge key={t.id} state={t.state} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && shown.length === 0 ? <p class="muted">No connector matches.</p> : null}
      </div>
    </div>
  );
}
