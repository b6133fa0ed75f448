// Fails when a package's source files import each other in a circle (issue 19): a circle makes
// module order matter at load time and hides which file owns what. Type-only imports count too,
// since they show the same tangle of concepts. Only `src/` is scanned, so tests (`*.test.ts`) and test support
// (`<package>/test-support/`, outside `src/`) are left out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$|\.d\.ts$/.test(name)) out.push(full);
  }
  return out;
}

function resolveImport(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {}
  }
  return null;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const found = [];
for (const group of ['packages', 'connectors']) {
  for (const pkg of readdirSync(path.join(root, group))) {
    const src = path.join(root, group, pkg, 'src');
    try {
      statSync(src);
    } catch {
      continue;
    }
    const graph = new Map();
    for (const file of sources(src)) {
      const deps = new Set();
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = resolveImport(file, m[1]);
        if (target) deps.add(target);
      }
      graph.set(file, deps);
    }
    for (const c of cycles(graph)) found.push(c.map((f) => path.relative(root, f)).sort());
  }
}
if (found.length > 0) {
  console.error(`import circles (${found.length}):`);
  for (const c of found) console.error(`  ${c.join(' <-> ')}`);
  process.exit(1);
}
console.log('no import circles');
