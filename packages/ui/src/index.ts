// Where the built console (index.html and its hashed assets) lives, for the REST layer to serve at /ui.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory `pnpm build` writes the console into (packages/ui/dist/public). */
export function consoleAssetsDir(): string {
  // From src/ (the `source` condition in tests) and from dist/ alike, the assets sit in ../dist/public.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'public');
}

/** Whether the console has been built (a worker started from sources before `pnpm build` has none). */
export function consoleBuilt(dir: string = consoleAssetsDir()): boolean {
  return existsSync(path.join(dir, 'index.html'));
}
