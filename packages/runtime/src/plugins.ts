/** Plugin discovery and loading: finds plugins in the workspace and plugin.path, and resolves class names and Java aliases to them. */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Logger, NotFoundException, type PluginDescriptor, type PluginKind } from '@tributary/api';
import {
  pluginSdkVersion,
  type SdkVersions,
  sdkCompatible,
  sdkMismatchMessage,
  shareWorkerSdk,
  workerSdk,
} from './plugin-sdk.js';

type Of<K extends PluginKind> = Extract<PluginDescriptor, { kind: K }>;

export interface LoadedPlugin {
  descriptor: PluginDescriptor;
  /** The name REST shows: the package-qualified class name. */
  className: string;
  packageName: string;
  version: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  exports?: unknown;
  tributary?: { plugins?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** A plugin package the loader would not load, and why (shown when a config names one of its classes). */
export interface RefusedPlugin {
  packageName: string;
  dir: string;
  reason: string;
  sdk?: SdkVersions;
}

/**
 * The runtime is itself loaded either from compiled JS (dist/) or from TypeScript sources (tests,
 * the `source` export condition). Workspace plugins come from the same side, so they share the runtime's
 * @tributary/api; plugins installed elsewhere are pointed at it by `shareWorkerSdk`, and where even that
 * cannot hold (a bundled SDK), the SDK's brands still recognise their Structs and exceptions.
 */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

function entryOf(dir: string, pkg: PackageJson): string | null {
  if (RUNNING_FROM_SOURCE) {
    const exp = pkg.exports as Record<string, Record<string, string> | string> | undefined;
    const dot = exp?.['.'];
    if (dot && typeof dot === 'object' && dot.source) return path.join(dir, dot.source);
  }
  if (!pkg.tributary?.plugins) return null;
  return path.join(dir, pkg.tributary.plugins);
}

/** The pnpm workspace root that holds this runtime, if any (where connectors/* live in development). */
export function findWorkspaceRoot(start = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The `node_modules/@tributary` folder an installed runtime sits in (`npm install -g` of the CLI), whose
 * sibling packages are the built-in converters, transforms and connectors. Null in the workspace, where
 * Node resolves the pnpm symlinks to packages/runtime.
 */
export function installedScopeDir(start = path.dirname(fileURLToPath(import.meta.url))): string | null {
  const parts = start.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || parts[i + 1] !== '@tributary') return null;
  return parts.slice(0, i + 2).join(path.sep);
}

async function packageDirsUnder(root: string): Promise<string[]> {
  if (existsSync(path.join(root, 'package.json'))) return [root];
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = await fs.readdir(root);
  } catch {
    return out;
  }
  for (const e of entries) {
    const d = path.join(root, e);
    if (e.startsWith('@')) {
      out.push(...(await packageDirsUnder(d)));
    } else if (existsSync(path.join(d, 'package.json'))) out.push(d);
  }
  return out;
}

/**
 * Finds every plugin (connector, converter, transform, predicate, config provider) in the
 * workspace and in plugin.path directories, and resolves the names users write in configs:
 * the class name, the package-qualified name and the aliases (Java class names) each declares.
 */
export class Plugins {
  readonly #byName = new Map<string, LoadedPlugin>();
  readonly #all: LoadedPlugin[] = [];
  readonly #refused: RefusedPlugin[] = [];
  readonly #logger: Logger;
  /** Where discover() looked, so a task thread can find the same plugins. */
  #discovery: { pluginPath: string[]; includeWorkspace: boolean } = { pluginPath: [], includeWorkspace: false };
  /** Plugins registered by hand (embedding, tests): a task thread cannot find these. */
  readonly #registeredByHand = new Set<LoadedPlugin>();
  #discovering = false;

  private constructor(logger: Logger) {
    this.#logger = logger;
  }

  static async discover(opts: {
    pluginPath?: readonly string[];
    includeWorkspace?: boolean;
    /** Load only these packages (a task thread needs its connector's, converters' and transforms'). */
    packages?: readonly string[];
    logger: Logger;
  }): Promise<Plugins> {
    const plugins = new Plugins(opts.logger);
    plugins.#discovery = {
      pluginPath: [...(opts.pluginPath ?? [])],
      includeWorkspace: opts.includeWorkspace !== false,
    };
    plugins.#discovering = true;
    const roots: string[] = [];
    if (opts.includeWorkspace !== false) {
      const ws = findWorkspaceRoot();
      if (ws) roots.push(path.join(ws, 'packages'), path.join(ws, 'connectors'));
      const installed = installedScopeDir();
      if (installed) roots.push(installed);
    }
    roots.push(...(opts.pluginPath ?? []));
    const dirs = (await Promise.all(roots.map(packageDirsUnder))).flat();
    const seen = new Set<string>();
    const sdk = workerSdk();
    const packages = await Promise.all(
      dirs.map(async (dir) => {
        try {
          const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
          return pkg.tributary?.plugins && pkg.name ? { dir, pkg } : null;
        } catch {
          return null;
        }
      }),
    );
    const only = opts.packages ? new Set(opts.packages) : null;
    const accepted = packages.filter((p): p is { dir: string; pkg: PackageJson } => {
      if (!p) return false;
      if (only && !only.has(p.pkg.name ?? '')) return false;
      const sdkVersions: SdkVersions = { plugin: pluginSdkVersion(p.dir, p.pkg), worker: sdk.version };
      if (sdkVersions.plugin === null || sdkCompatible(sdkVersions.plugin, sdk.version)) return true;
      const reason = sdkMismatchMessage(p.pkg.name!, sdkVersions);
      plugins.#refused.push({ packageName: p.pkg.name!, dir: p.dir, reason, sdk: sdkVersions });
      opts.logger.error({ package: p.pkg.name, dir: p.dir, sdk: sdkVersions }, reason);
      return false;
    });
    if (!RUNNING_FROM_SOURCE)
      shareWorkerSdk(
        accepted.map((p) => p.dir),
        sdk.url,
      );
    const loaded = await Promise.all(
      accepted.map(async ({ dir, pkg }) => {
        const entry = entryOf(dir, pkg);
        if (!entry || !existsSync(entry)) {
          opts.logger.warn({ package: pkg.name, entry }, 'plugin package has no built entry; run the build');
          return null;
        }
        try {
          const mod = (await import(pathToFileURL(entry).href)) as { plugins?: readonly PluginDescriptor[] };
          return { pkg, descriptors: mod.plugins ?? [] };
        } catch (err) {
          opts.logger.error({ package: pkg.name, err: String(err) }, 'failed to load plugin package');
          return null;
        }
      }),
    );
    for (const l of loaded) {
      if (!l || seen.has(l.pkg.name!)) continue;
      seen.add(l.pkg.name!);
      for (const d of l.descriptors) plugins.register(d, l.pkg.name!, l.pkg.version ?? '0.0.0');
    }
    plugins.#discovering = false;
    return plugins;
  }

  /** Registers a plugin directly (embedding, tests). */
  register(descriptor: PluginDescriptor, packageName: string, packageVersion = '0.0.0'): void {
    const lp: LoadedPlugin = {
      descriptor,
      className: `${packageName}/${descriptor.className}`,
      packageName,
      version: descriptor.version ?? packageVersion,
    };
    this.#all.push(lp);
    if (!this.#discovering) this.#registeredByHand.add(lp);
    for (const n of [lp.className, descriptor.className, ...(descriptor.aliases ?? [])]) {
      const prior = this.#byName.get(n);
      if (prior && prior !== lp) {
        // An ambiguous short name keeps its first owner; the qualified name always works.
        if (n !== lp.className) {
          this.#logger.warn(
            { name: n, first: prior.className, second: lp.className },
            'plugin name is ambiguous; keeping the first',
          );
          continue;
        }
      }
      this.#byName.set(n, lp);
    }
  }

  all(): readonly LoadedPlugin[] {
    return this.#all;
  }

  /** Plugin packages found but not loaded (an SDK major version the worker does not speak). */
  refused(): readonly RefusedPlugin[] {
    return this.#refused;
  }

  /** Where these plugins were found: another thread's discover() with this finds the same ones. */
  get discovery(): { pluginPath: string[]; includeWorkspace: boolean } {
    return { pluginPath: [...this.#discovery.pluginPath], includeWorkspace: this.#discovery.includeWorkspace };
  }

  /**
   * The packages of every plugin a config names (connector, converters, transforms, predicates, and any class
   * a plugin's own keys name), so a task thread loads those and not every plugin the worker has.
   */
  packagesNamedIn(values: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const v of values)
      for (const part of v.split(',')) {
        const p = this.find(part);
        if (p) out.add(p.packageName);
      }
    return [...out];
  }

  /** Whether a discover() with `discovery` finds this plugin too (not one registered by hand). */
  discoverable(name: string): boolean {
    const p = this.find(name);
    return p !== null && !this.#registeredByHand.has(p);
  }

  find(name: string): LoadedPlugin | null {
    return this.#byName.get(name.trim()) ?? null;
  }

  /** The plugin of the given kind with that name, or a clear error naming the kinds that exist. */
  get<K extends PluginKind>(name: string, ...kinds: K[]): LoadedPlugin & { descriptor: Of<K> } {
    const p = this.find(name);
    if (!p) {
      const refused = this.#refused.map((r) => ` (not loaded: ${r.reason})`).join('');
      throw new NotFoundException(
        `Failed to find any class that implements ${kindLabel(kinds)} and which name matches ${name}${refused}`,
      );
    }
    if (!kinds.includes(p.descriptor.kind as K)) {
      throw new NotFoundException(`Class ${name} is a ${p.descriptor.kind}, not a ${kindLabel(kinds)}`);
    }
    return p as LoadedPlugin & { descriptor: Of<K> };
  }

  create<K extends PluginKind>(name: string, ...kinds: K[]): ReturnType<Of<K>['create']> {
    return this.get(name, ...kinds).descriptor.create() as ReturnType<Of<K>['create']>;
  }
}

function kindLabel(kinds: PluginKind[]): string {
  const names: Record<PluginKind, string> = {
    source: 'Connector',
    sink: 'Connector',
    converter: 'Converter',
    header_converter: 'HeaderConverter',
    transformation: 'Transformation',
    predicate: 'Predicate',
    config_provider: 'ConfigProvider',
  };
  return [...new Set(kinds.map((k) => names[k]))].join(' or ');
}
