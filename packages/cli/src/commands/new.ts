/** `tributary new connector <dir>`: scaffolds a connector package with a source, a sink and passing tests. */
import path from 'node:path';
import { scaffoldConnector } from '../scaffold/connector.js';

const USAGE = 'usage: tributary new connector <dir> [--name=<npm package name>]\n';

/** tributary new connector <dir>: a connector package with a source, a sink and tests that pass as written. */
export async function run(args: string[]): Promise<number> {
  const [what, dir, ...rest] = args;
  if (what !== 'connector' || !dir) {
    process.stderr.write(USAGE);
    return 2;
  }
  let packageName: string | undefined;
  for (const a of rest) {
    if (a.startsWith('--name=')) packageName = a.slice('--name='.length);
    else {
      process.stderr.write(`tributary new: unknown argument '${a}'\n${USAGE}`);
      return 2;
    }
  }
  const made = scaffoldConnector(dir, packageName === undefined ? {} : { packageName });
  const relative = path.relative(process.cwd(), made.dir) || '.';
  const rel = relative.startsWith('..') ? made.dir : relative;
  process.stdout.write(
    `Wrote ${made.packageName} in ${rel}: ${made.name}SourceConnector and ${made.name}SinkConnector\n` +
      made.files.map((f) => `  ${f}\n`).join('') +
      `\nNext:\n  cd ${rel}\n  npm install\n  npm test\n\n` +
      `Then add plugin.path=${made.dir} to a worker's properties and create a connector with\n` +
      `  "connector.class": "${made.name}Source"\n`,
  );
  return 0;
}
