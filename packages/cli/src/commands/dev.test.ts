import type { ServicesStatus } from '@tributary/testkit';
import { describe, expect, it } from 'vitest';
import { devOptions, stillRunning } from './dev.js';

describe('devOptions', () => {
  it('binds 127.0.0.1:8083 unless --host/--port or TRIBUTARY_DEV_HOST/TRIBUTARY_DEV_PORT say otherwise', () => {
    expect(devOptions([], {})).toEqual({ host: '127.0.0.1', port: 8083 });
    expect(devOptions([], { TRIBUTARY_DEV_PORT: '9083', TRIBUTARY_DEV_HOST: '0.0.0.0' })).toEqual({
      host: '0.0.0.0',
      port: 9083,
    });
    expect(devOptions(['--port=18083', '--host=::1'], { TRIBUTARY_DEV_PORT: '9083' })).toEqual({
      host: '::1',
      port: 18083,
    });
  });

  it('names every bad argument at once', () => {
    expect(() => devOptions(['--port=five', '--verbose', '--host='], {})).toThrow(
      "unknown argument '--verbose'; port 'five' is not a port number (0-65535); host '' is not a host name or address",
    );
  });
});

describe('stillRunning', () => {
  const status = (kafka: boolean, s3: boolean): ServicesStatus => ({
    running: false,
    endpoints: null,
    services: {
      kafka: { name: 'kafka', running: kafka, manager: 'harness', endpoint: '127.0.0.1:9092' },
      s3: { name: 's3', running: s3, manager: 'harness', endpoint: 'http://127.0.0.1:9000' },
      postgres: { name: 'postgres', running: true, manager: 'machine', endpoint: 'postgres://127.0.0.1:5432' },
      redis: { name: 'redis', running: true, manager: 'machine', endpoint: 'redis://127.0.0.1:6379' },
    },
  });

  it('says which harness services keep running and how to stop them', () => {
    expect(stillRunning(status(true, true))).toBe(
      'Worker stopped. Still running for the next `tributary dev`: Kafka (127.0.0.1:9092) and S3Proxy ' +
        "(http://127.0.0.1:9000).\nStop them with: tributary services down   (the machine's Postgres and Redis are left alone)\n",
    );
    expect(stillRunning(status(true, false))).toContain(
      'Still running for the next `tributary dev`: Kafka (127.0.0.1:9092).',
    );
    expect(stillRunning(status(false, false))).toBe('Worker stopped.\n');
  });
});
