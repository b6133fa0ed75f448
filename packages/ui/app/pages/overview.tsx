// The overview, health first: counts by state, FAILED connectors and tasks pinned on top, the workers and the leader.
import { type ClusterInfo, type Expanded, get, STATES, type State } from '../api';
import { Badge, ErrorNote, Link, Section, ago, firstLine, usePoll } from '../util';

export function Overview() {
  const { data, error } = usePoll(async () => {
    const [connectors, cluster] = await Promise.all([
      get<Expanded>('/connectors?expand=status'),
      get<ClusterInfo>('/tributary/cluster'),
    ]);
    return { connectors, cluster };
  }, []);
  if (!data) return <div>{error ? <ErrorNote error={error} /> : <p class="loading">Loading…</p>}</div>;
  const { connectors, cluster } = data;
  const count = (kind: 'connector' | 'task'): Record<State, number> => {
    const c = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<State, number>;
    for (const e of Object.values(connectors)) {
      if (!e.status) continue;
      if (kind === 'connector') c[e.status.connector.state]++;
      else for (const t of e.status.tasks) c[t.state]++;
    }
    return c;
  };
  const byConnector = count('connector');
  const byTask = count('task');
  return (
    <div class="page">
      <h1>Overview</h1>
      <ErrorNote error={error} />
      {cluster.failed.length > 0 ? (
        <section class="card failing" aria-labelledby="failing-title">
          <header class="card-head">
            <h2 id="failing-title">Failing ({cluster.failed.length})</h2>
          </header>
          <ul class="failures">
            {cluster.failed.map((f) => (
              <li key={`${f.connector}-${f.task}`} class="failure">
                <div class="failure-head">
                  <Badge state="FAILED" />
                  <Link to={`/connectors/${encodeURIComponent(f.connector)}`}>
                    {f.connector}
                    {f.task === null ? '' : ` task ${f.task}`}
                  </Link>
                  <span class="muted">
                    failing {ago(f.since)} on {f.worker_id || 'an unknown worker'}
                  </span>
                </div>
                <code class="trace-line">{firstLine(f.trace) || 'no trace'}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p class="all-good" role="status">
          Nothing is failing.
        </p>
      )}
      <div class="grid2">
        <Section title={`Connectors (${Object.keys(connectors).length})`}>
          <StateCounts counts={byConnector} />
        </Section>
        <Section title={`Tasks (${Object.values(byTask).reduce((a, b) => a + b, 0)})`}>
          <StateCounts counts={byTask} />
        </Section>
      </div>
      <Section title={`Workers (${cluster.workers.length})`}>
        <table>
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Role</th>
              <th scope="col">Connectors</th>
              <th scope="col">Tasks</th>
            </tr>
          </thead>
          <tbody>
            {cluster.workers.map((w) => (
              <tr key={w.id}>
                <td>
                  <code>{w.id}</code>
                  {w.self ? <span class="muted"> (this worker)</span> : null}
                </td>
                <td>{w.leader ? <strong>leader</strong> : 'member'}</td>
                <td>{w.connectors.join(', ') || '—'}</td>
                <td>{w.tasks.map((t) => `${t.connector}-${t.task}`).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {cluster.leader === null ? (
          <p class="muted">The leader is not known right now (a rebalance is running).</p>
        ) : null}
      </Section>
    </div>
  );
}

function StateCounts({ counts }: { counts: Record<State, number> }) {
  return (
    <ul class="counts">
      {STATES.map((s) => (
        <li key={s} class={`count state-${s.toLowerCase()} ${counts[s] === 0 ? 'zero' : ''}`}>
          <span class="n">{counts[s]}</span> <span class="label">{s}</span>
        </li>
      ))}
    </ul>
  );
}
