// Bundles the console (app/main.tsx) into dist/public: index.html plus content-hashed JS and CSS.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist', 'public');

/** Builds the console; returns the files written and their gzipped sizes. */
export async function buildConsole({ quiet = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [path.join(here, 'app', 'main.tsx'), path.join(here, 'app', 'styles.css')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // Hashed names let the server cache them forever; index.html is the only file revalidated.
    entryNames: '[name]-[hash]',
    outdir: path.join(out, 'assets'),
    metafile: true,
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.relative(out, path.resolve(f)));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  const html = readFileSync(path.join(here, 'app', 'index.html'), 'utf8')
    .replace('%CSS%', `/ui/${css}`)
    .replace('%JS%', `/ui/${js}`);
  writeFileSync(path.join(out, 'index.html'), html);
  const files = ['index.html', ...outputs].map((f) => {
    const bytes = readFileSync(path.join(out, f));
    return { file: f, bytes: bytes.length, gzip: gzipSync(bytes).length };
  });
  if (!quiet) {
    const total = files.reduce((n, f) => n + f.gzip, 0);
    for (const f of files) process.stdout.write(`  ui ${f.file}  ${f.bytes} B, ${f.gzip} B gzipped\n`);
    process.stdout.write(`  ui total ${total} B gzipped\n`);
  }
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
