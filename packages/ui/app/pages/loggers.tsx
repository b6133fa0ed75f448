// Loggers: see and change log levels (GET/PUT /admin/loggers).
import { useState } from 'preact/hooks';
import { api, enc, get } from '../api';
import { ErrorNote, Section, act, usePoll, inputValue } from '../util';

const LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

export function Loggers() {
  const { data, error, reload } = usePoll(
    () => get<Record<string, { level: string; last_modified: number | null }>>('/admin/loggers'),
    [],
    5000,
  );
  const [name, setName] = useState('');
  const [level, setLevel] = useState('DEBUG');
  const change = async (logger: string, to: string): Promise<void> => {
    await act(`${logger} set to ${to}`, () => api('PUT', `/admin/loggers/${enc(logger)}`, { level: to }));
    reload();
  };
  return (
    <div class="page">
      <h1>Loggers</h1>
      <ErrorNote error={error} />
      <Section title="Levels">
        <table>
          <thead>
            <tr>
              <th scope="col">Logger</th>
              <th scope="col">Level</th>
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(data ?? {}).map(([n, l]) => (
              <tr key={n}>
                <td>
                  <code>{n}</code>
                </td>
                <td>
                  <select aria-label={`Level of ${n}`} value={l.level} onChange={(e) => void change(n, inputValue(e))}>
                    {LEVELS.map((x) => (
                      <option key={x}>{x}</option>
                    ))}
                  </select>
                </td>
                <td>{l.last_modified ? new Date(l.last_modified).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Set another logger">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void change(name.trim(), level);
          }}
        >
          <label>
            Logger name
            <input value={name} onInput={(e) => setName(inputValue(e))} placeholder="e.g. tributary.herder" required />
          </label>
          <label>
            Level
            <select value={level} onChange={(e) => setLevel(inputValue(e))}>
              {LEVELS.map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary">
            Set level
          </button>
        </form>
      </Section>
    </div>
  );
}
