// The console's entry point: the layout, the navigation and the router over its pages.
import { render } from 'preact';
import { Connector } from './pages/connector';
import { Connectors } from './pages/connectors';
import { DeadLetterQueues } from './pages/dlq';
import { Loggers } from './pages/loggers';
import { NewConnector } from './pages/new-connector';
import { Overview } from './pages/overview';
import { Subject, Subjects } from './pages/schemas';
import { Topics } from './pages/topics';
import { ConfirmHost, Link, Toasts, useRoute } from './util';

const NAV: Array<{ to: string; label: string; match: (p: string) => boolean }> = [
  { to: '/', label: 'Overview', match: (p) => p === '/' },
  { to: '/connectors', label: 'Connectors', match: (p) => p.startsWith('/connectors') || p.startsWith('/new') },
  { to: '/topics', label: 'Topics', match: (p) => p.startsWith('/topics') },
  { to: '/dlq', label: 'Dead letter queues', match: (p) => p.startsWith('/dlq') },
  { to: '/schemas', label: 'Schema registry', match: (p) => p.startsWith('/schemas') },
  { to: '/loggers', label: 'Loggers', match: (p) => p.startsWith('/loggers') },
];

function page(path: string, query: URLSearchParams) {
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (seg.length === 0) return <Overview />;
  if (seg[0] === 'connectors' && seg[1]) return <Connector key={seg[1]} name={seg[1]} />;
  if (seg[0] === 'connectors') return <Connectors />;
  if (seg[0] === 'new') return <NewConnector plugin={query.get('plugin')} />;
  if (seg[0] === 'topics')
    return <Topics key={seg[1] ?? ''} topic={seg[1] ?? null} limit={query.get('limit')} decode={query.get('decode')} />;
  if (seg[0] === 'dlq') return <DeadLetterQueues topic={seg[1] ?? null} />;
  if (seg[0] === 'loggers') return <Loggers />;
  if (seg[0] === 'schemas' && seg[1]) return <Subject key={seg[1]} subject={seg[1]} version={query.get('version')} />;
  if (seg[0] === 'schemas') return <Subjects />;
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        No console page at {path}. <Link to="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function App() {
  const { path, query } = useRoute();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link to="/" class="brand">
          Tributary
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={n.match(path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {page(path, query)}
      </main>
      <ConfirmHost />
      <Toasts />
    </>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" text is for the moment before this script runs; Preact would render beside it.
root.textContent = '';
render(<App />, root);
