/** `tributary new connector`: writes a connector package (a source, a sink, typed config, tests) from templates/. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** templates/ sits beside src/ and dist/, so the same path works from either. */
const TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/connector');

/** npm drops a published `.gitignore` and a nested package.json would be taken for a package, hence the `_`. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', '_package.json': 'package.json' };

export interface ScaffoldOptions {
  /** The npm package name (default: the directory's name). */
  packageName?: string;
  /** The @tributary/api version the package is built against (default: the one this command runs). */
  sdkVersion?: string;
}

export interface Scaffolded {
  dir: string;
  packageName: string;
  /** The class-name prefix: `acme-orders` → `AcmeOrders` (AcmeOrdersSourceConnector, …). */
  name: string;
  files: string[];
}

/** The SDK version of this command, which a connector it writes is built against. */
export function commandSdkVersion(): string {
  const pkg = createRequire(import.meta.url).resolve('@tributary/api/package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

export function classPrefix(packageName: string): string {
  const base = packageName.replace(/^@[^/]+\//, '').replace(/^tributary-|-?connectors?$/g, '') || packageName;
  const words = base.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  const prefix = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(prefix) ? `C${prefix}` : prefix || 'My';
}

export function scaffoldConnector(dir: string, opts: ScaffoldOptions = {}): Scaffolded {
  const target = path.resolve(dir);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new Error(`${target} exists and is not an empty directory`);
  }
  const packageName = opts.packageName ?? path.basename(target).toLowerCase();
  if (!PACKAGE_NAME.test(packageName)) {
    throw new Error(`'${packageName}' is not a valid npm package name; pass one with --name=<name>`);
  }
  const name = classPrefix(packageName);
  const tokens: Record<string, string> = {
    __package__: packageName,
    __Name__: name,
    __sdkVersion__: opts.sdkVersion ?? commandSdkVersion(),
  };
  const files: string[] = [];
  const copy = (from: string, to: string): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, entry.name);
      const dest = path.join(to, RENAMED[entry.name] ?? entry.name);
      if (entry.isDirectory()) {
        copy(src, dest);
        continue;
      }
      mkdirSync(to, { recursive: true });
      let text = readFileSync(src, 'utf8');
      for (const [token, value] of Object.entries(tokens)) text = text.replaceAll(token, value);
      writeFileSync(dest, text);
      files.push(path.relative(target, dest));
    }
  };
  copy(TEMPLATES, target);
  return { dir: target, packageName, name, files: files.sort() };
}
