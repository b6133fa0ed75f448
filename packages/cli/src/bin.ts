#!/usr/bin/env node
/** The `tributary` command's entry point: dispatches to the subcommand modules under ./commands, loading each only when it runs. */
/**
 * The `tributary` command. Each subcommand is a module under ./commands, loaded only when it runs, so a slow
 * import (the runtime, fastify) never delays another command.
 *
 * Adding a command: write src/commands/<name>.ts exporting `run(args: string[]): Promise<number>` (the exit
 * code) and add one line to COMMANDS below.
 */

/** What a module under ./commands exports. */
export interface CommandModule {
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

const COMMANDS: Record<string, CommandEntry> = {
  services: {
    summary: 'up|down|status|prepare [--json]: Kafka, S3, Postgres and Redis on loopback for dev and tests',
    load: () => import('./commands/services.js'),
  },
  dev: {
    summary:
      '[--host=127.0.0.1] [--port=8083]: services, a worker on 127.0.0.1:8083, a schema registry on :8081 and a demo pipeline',
    load: () => import('./commands/dev.js'),
  },
  standalone: {
    summary: 'worker.properties [connector.json|.properties ...]: a standalone worker',
    load: () => import('./commands/standalone.js'),
  },
  distributed: {
    summary: 'worker.properties: a worker in distributed mode',
    load: () => import('./commands/distributed.js'),
  },
  new: {
    summary: 'connector <dir> [--name=<package>]: a connector package with a source, a sink, typed config and tests',
    load: () => import('./commands/new.js'),
  },
  'schema-registry': {
    summary: 'schema-registry.properties: a Confluent-compatible schema registry (state in _schemas)',
    load: () => import('./commands/schema-registry.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: tributary <command> [args]\n\ncommands:\n${lines.join('\n')}\n`;
}

/**
 * `pnpm tributary …` runs from the workspace root; relative paths in arguments and in connector configs
 * (`file=test.txt`) mean the caller's directory, as with Kafka's connect-standalone.sh.
 */
function useCallersDirectory(): void {
  const caller = process.env.INIT_CWD;
  if (caller && process.env.npm_lifecycle_event === 'tributary' && caller !== process.cwd()) process.chdir(caller);
}

async function main(argv: string[]): Promise<number> {
  useCallersDirectory();
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`tributary: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await entry.load();
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tributary: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.TRIBUTARY_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
