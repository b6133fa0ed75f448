// Packs `@tributary/cli` into one self-contained tarball that `npm install -g` takes on a machine with
// only Node: the workspace packages it runs (runtime, rest, testkit) and every built-in plugin package
// (converters, transforms, connectors: each with a `tributary.plugins` entry) are bundled inside it,
// because they are not published, and so are their third-party dependencies — npm does not install the
// dependencies of bundled packages in a global install (it takes them for part of the bundle).
// Usage: node scripts/pack-cli.mjs [out-dir]   (prints the tarball's path)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(repo, '.tributary', 'pack'));

/** The entries of pnpm-workspace.yaml's patchedDependencies: `"name@version": patches/file.patch`. */
function patchedDependencies() {
  const yaml = readFileSync(path.join(repo, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^patchedDependencies:\n((?:[ \t]+.*\n?)*)/m.exec(yaml)?.[1] ?? '';
  return [...block.matchAll(/^\s+["']?(@?[^@"'\s]+)@([^"'\s:]+)["']?:\s*(\S+)\s*$/gm)].map(
    ([, name, version, file]) => ({
      name,
      version,
      file,
    }),
  );
}

/** name → { dir, manifest } for every workspace package. */
function workspacePackages() {
  const out = new Map();
  for (const group of ['packages', 'connectors']) {
    for (const d of readdirSync(path.join(repo, group))) {
      const dir = path.join(repo, group, d);
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      out.set(manifest.name, { dir, manifest });
    }
  }
  return out;
}

const ws = workspacePackages();
const cli = ws.get('@tributary/cli');

// What the CLI runs (its workspace dependencies, transitively) plus every plugin package.
const bundled = new Set();
const visit = (name) => {
  if (bundled.has(name) || name === cli.manifest.name) return;
  const p = ws.get(name);
  if (!p) return;
  bundled.add(name);
  for (const dep of Object.keys(p.manifest.dependencies ?? {})) visit(dep);
};
for (const dep of Object.keys(cli.manifest.dependencies ?? {})) visit(dep);
for (const [name, p] of ws) if (p.manifest.tributary?.plugins && !p.manifest.private) visit(name);

const work = mkdtempSync(path.join(os.tmpdir(), 'tributary-pack-'));
const stage = path.join(work, 'stage');
const tarballs = path.join(work, 'tarballs');
mkdirSync(tarballs, { recursive: true });

/** `pnpm pack` (which rewrites workspace:* to versions) and unpack into `into`. */
function packInto(dir, into) {
  const before = new Set(readdirSync(tarballs));
  execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(tarballs).find((f) => !before.has(f));
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['xzf', path.join(tarballs, tgz), '-C', into, '--strip-components=1']);
  return JSON.parse(readFileSync(path.join(into, 'package.json'), 'utf8'));
}

const manifest = packInto(cli.dir, stage);
const workspaceMeta = {};
const dependencies = {};
const addDeps = (from, deps) => {
  for (const [dep, range] of Object.entries(deps ?? {})) {
    if (dependencies[dep] && dependencies[dep] !== range && !bundled.has(dep))
      process.stderr.write(
        `pack-cli: ${dep} is ${dependencies[dep]} elsewhere and ${range} in ${from}; keeping the first\n`,
      );
    dependencies[dep] ??= range;
  }
};
addDeps(manifest.name, manifest.dependencies);
const unpacked = path.join(work, 'unpacked');
for (const name of [...bundled].sort()) {
  const m = packInto(ws.get(name).dir, path.join(unpacked, name));
  workspaceMeta[name] = m.version;
  addDeps(name, m.dependencies);
}
// Third-party dependencies first (npm cannot resolve the unpublished workspace packages), then the
// workspace packages beside them, then everything is declared and bundled.
for (const name of bundled) delete dependencies[name];
delete manifest.devDependencies;
delete manifest.scripts;
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
manifest.dependencies = sorted(dependencies);
writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
execFileSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], {
  cwd: stage,
  stdio: ['ignore', 'ignore', 'inherit'],
});
// The workspace's patches of third-party packages (pnpm-workspace.yaml, patchedDependencies) go into the
// bundle too: npm installed the packages as published, and the runtime depends on what the patches change.
for (const { name, version, file } of patchedDependencies()) {
  const dir = path.join(stage, 'node_modules', name);
  const installed = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  if (installed !== version)
    throw new Error(`pack-cli: ${file} patches ${name} ${version}, npm installed ${installed}`);
  execFileSync('patch', ['-p1', '--forward', '--silent', '-d', dir, '-i', path.join(repo, file)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
for (const name of bundled)
  cpSync(path.join(unpacked, name), path.join(stage, 'node_modules', name), { recursive: true });
manifest.dependencies = sorted({ ...dependencies, ...workspaceMeta });
manifest.bundleDependencies = Object.keys(manifest.dependencies);
writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

mkdirSync(outDir, { recursive: true });
const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
rmSync(work, { recursive: true, force: true });
process.stdout.write(`${path.join(outDir, name)}\n`);
