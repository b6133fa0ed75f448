/** The SDK a plugin is built against: its version check and the redirect to the worker's own copy. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SDK = '@tributary/api';

export interface SdkVersions {
  /** The plugin's: the version of the copy it would resolve, else the range it declares, else null. */
  plugin: string | null;
  worker: string;
}

interface SdkPackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const workerRequire = createRequire(import.meta.url);

/** The worker's @tributary/api: its version and the URL of its entry (the compiled one). */
export function workerSdk(): { version: string; url: string } {
  const pkgPath = workerRequire.resolve(`${SDK}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as SdkPackageJson;
  return { version: pkg.version ?? '0.0.0', url: pathToFileURL(workerRequire.resolve(SDK)).href };
}

/**
 * The SDK version a plugin package was built against. Its own installed copy (node_modules/@tributary/api,
 * looked up as Node would from the package) is what it was tested with; without one, the range it declares.
 */
export function pluginSdkVersion(pluginDir: string, pkg: SdkPackageJson): string | null {
  for (let dir = pluginDir; ; ) {
    const candidate = path.join(dir, 'node_modules', ...SDK.split('/'), 'package.json');
    if (existsSync(candidate)) {
      const own = JSON.parse(readFileSync(candidate, 'utf8')) as SdkPackageJson;
      if (own.version) return own.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const declared = pkg.peerDependencies?.[SDK] ?? pkg.dependencies?.[SDK] ?? pkg.devDependencies?.[SDK];
  if (!declared || declared.startsWith('workspace:')) return null;
  return declared;
}

/** Major.minor of a version or range's lowest bound ("^1.4.0" → [1, 4]); null when it has none. */
function leading(version: string): [number, number] | null {
  const m = /(\d+)(?:\.(\d+|x|\*))?/.exec(version);
  if (!m) return null;
  return [Number(m[1]), /^\d+$/.test(m[2] ?? '') ? Number(m[2]) : 0];
}

/**
 * Semver's caret rule: the same major, and below 1.0 the same minor (0.x minors may break the API).
 * A plugin whose version cannot be read is given the benefit of the doubt: the brands still protect its data.
 */
export function sdkCompatible(plugin: string, worker: string): boolean {
  const p = leading(plugin);
  const w = leading(worker);
  if (!p || !w) return true;
  if (p[0] !== w[0]) return false;
  return w[0] !== 0 || p[1] === w[1];
}

export function sdkMismatchMessage(packageName: string, v: SdkVersions): string {
  return (
    `Plugin ${packageName} is built against ${SDK} ${v.plugin}, which is not compatible with this worker's ` +
    `${SDK} ${v.worker}; rebuild it against ${SDK} ^${v.worker} (a peer dependency) or use a worker of its version`
  );
}

const redirected = new Set<string>();
let hooked = false;

/**
 * Makes `import '@tributary/api'` from inside these plugin directories load the worker's copy, so a plugin
 * installed with its own copy still shares the worker's classes (one SDK in the process, as a peer
 * dependency means). Only for a runtime running compiled JS: under a TypeScript loader the worker's copy
 * is its sources, and the brands in @tributary/api carry the day.
 */
export function shareWorkerSdk(pluginDirs: readonly string[], workerUrl: string): void {
  for (const d of pluginDirs) redirected.add(pathToFileURL(d).href + '/');
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === SDK && context.parentURL && fromPlugin(context.parentURL)) {
        return { url: workerUrl, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

function fromPlugin(parentUrl: string): boolean {
  for (const d of redirected) if (parentUrl.startsWith(d)) return true;
  return false;
}
