#!/usr/bin/env node
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
    summary: '[--port=8083]: services, a worker on :8083 and a demo pipeline (the quick start)',
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
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: tributary <command> [args]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
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
