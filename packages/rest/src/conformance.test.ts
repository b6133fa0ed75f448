import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type ConformanceFixture,
  httpRequester,
  injectRequester,
  restConformanceCases,
  runConformanceCase,
} from '../test-support/conformance.js';
import { type RunningRestServer, startRestServer } from './listen.js';
import { createRestServer } from './server.js';
import { FakeHerder } from '../test-support/fake-herder.js';

const fixture: ConformanceFixture = {
  source: {
    plugin: 'FakeSourceConnector',
    config: (name) => ({ 'connector.class': 'FakeSourceConnector', 'tasks.max': '2', topic: `${name}-topic` }),
    offsets: [{ partition: { file: '/tmp/a.txt' }, offset: { position: 42 } }],
  },
  sink: {
    plugin: 'FakeSinkConnector',
    config: (name) => ({ 'connector.class': 'org.example.FakeSinkConnector', topics: `${name}-in` }),
  },
  invalid: {
    config: () => ({ 'connector.class': 'FakeSourceConnector', topic: 't', 'poll.interval.ms': 'often' }),
    field: 'poll.interval.ms',
  },
  timeoutMs: 2_000,
};

describe('REST conformance against the fake herder (inject)', () => {
  const app = createRestServer({ herder: new FakeHerder() });
  afterAll(() => app.close());
  const request = injectRequester(app);
  for (const c of restConformanceCases) it(c.name, () => runConformanceCase(c, request, fixture));
});

describe('REST conformance against the fake herder (HTTP)', () => {
  let server: RunningRestServer;
  beforeAll(async () => {
    server = await startRestServer({ herder: new FakeHerder(), listeners: 'http://127.0.0.1:0' });
  });
  afterAll(() => server.close());
  for (const c of restConformanceCases)
    it(c.name, () => runConformanceCase(c, httpRequester(server.urls[0]!), fixture));
});
