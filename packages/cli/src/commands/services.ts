/** `tributary services up|down|status|prepare`: the local Kafka, S3, Postgres and Redis the testkit harness runs. */
import {
  type ServiceName,
  type ServicesStatus,
  type ServiceState,
  servicesDown,
  servicesPrepare,
  servicesStatus,
  servicesUp,
} from '@tributary/testkit';

const USAGE = `usage: tributary services <up|down|status|prepare> [options]

  up [--json]       start what is not running (Kafka on 127.0.0.1:9092, S3Proxy, the machine's Postgres
                    and Redis) and print where everything is; --json prints only the endpoint JSON
  down [--purge]    stop the Kafka and S3Proxy the harness started (Postgres and Redis keep running);
                    --purge also deletes their data (topics, buckets)
  status [--json]   where each service is and whether it answers; --json prints the endpoint JSON
                    (exit code 1 when something does not answer)
  prepare           fetch the jars and configure Postgres for logical decoding, start nothing else

Environment: KAFKA_BOOTSTRAP_SERVERS, S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY), PG_URL and
REDIS_URL point at services elsewhere; those are used as they are and nothing is started for them.
TRIBUTARY_STATE_DIR (default ~/.cache/tributary/run) holds pid files, logs and data.
`;

const LABELS: Record<ServiceName, string> = { kafka: 'kafka', s3: 's3', postgres: 'postgres', redis: 'redis' };

function describe(s: ServiceState): string {
  const state = s.running ? 'running' : 'stopped';
  const who =
    s.manager === 'harness'
      ? s.pid !== undefined
        ? `started by tributary, pid ${s.pid}${s.owner === 'session' ? ', for a test run' : ''}`
        : 'started by tributary when up'
      : s.manager === 'machine'
        ? "the machine's service"
        : s.manager === 'env'
          ? 'from the environment'
          : 'not started by tributary';
  const detail = s.detail && s.detail !== 'not started by tributary' ? ` — ${s.detail}` : '';
  return `${LABELS[s.name].padEnd(9)} ${state.padEnd(8)} ${(s.endpoint ?? '-').padEnd(46)} (${who})${detail}`;
}

function printStatus(status: ServicesStatus): void {
  for (const s of Object.values(status.services)) process.stdout.write(`${describe(s)}\n`);
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const flags = new Set(rest);
  const unknown = rest.filter((a) => !['--json', '--purge'].includes(a));
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    process.stderr.write(`tributary services: unknown option ${unknown.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  switch (sub) {
    case 'up': {
      const started = Date.now();
      const endpoints = await servicesUp();
      if (flags.has('--json')) {
        process.stdout.write(`${JSON.stringify(endpoints)}\n`);
      } else {
        printStatus(await servicesStatus());
        process.stdout.write(`services up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
      }
      return 0;
    }
    case 'down': {
      const stopped = await servicesDown({ purge: flags.has('--purge') });
      process.stdout.write(stopped.length > 0 ? `stopped: ${stopped.join(', ')}\n` : 'nothing to stop\n');
      return 0;
    }
    case 'status': {
      const status = await servicesStatus();
      if (flags.has('--json')) {
        if (status.endpoints) {
          process.stdout.write(`${JSON.stringify(status.endpoints)}\n`);
          return 0;
        }
        const down = Object.values(status.services)
          .filter((s) => !s.running)
          .map((s) => s.name);
        process.stderr.write(`not running: ${down.join(', ')} (start them with: tributary services up)\n`);
        return 1;
      }
      printStatus(status);
      return status.running ? 0 : 1;
    }
    case 'prepare': {
      await servicesPrepare();
      process.stdout.write('jars fetched, Postgres and Redis ready\n');
      return 0;
    }
    default:
      process.stderr.write(sub === undefined ? USAGE : `tributary services: unknown subcommand '${sub}'\n\n${USAGE}`);
      return 2;
  }
}
