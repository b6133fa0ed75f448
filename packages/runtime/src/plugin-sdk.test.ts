import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pluginSdkVersion, sdkCompatible, sdkMismatchMessage } from './plugin-sdk.js';

describe('sdkCompatible', () => {
  it('follows the caret rule: one major, and below 1.0 one minor', () => {
    expect(sdkCompatible('1.4.0', '1.9.2')).toBe(true);
    expect(sdkCompatible('^1.0.0', '1.9.2')).toBe(true);
    expect(sdkCompatible('2.0.0', '1.9.2')).toBe(false);
    expect(sdkCompatible('0.1.3', '0.1.0')).toBe(true);
    expect(sdkCompatible('^0.1.0', '0.1.0')).toBe(true);
    expect(sdkCompatible('0.2.0', '0.1.0')).toBe(false);
    expect(sdkCompatible('9.0.0', '0.1.0')).toBe(false);
    expect(sdkCompatible('latest', '0.1.0')).toBe(true);
  });

  it('names the plugin and both versions when it refuses', () => {
    expect(sdkMismatchMessage('acme-connector', { plugin: '2.0.0', worker: '1.3.0' })).toBe(
      "Plugin acme-connector is built against @tributary/api 2.0.0, which is not compatible with this worker's " +
        '@tributary/api 1.3.0; rebuild it against @tributary/api ^1.3.0 (a peer dependency) or use a worker of its version',
    );
  });
});

describe('pluginSdkVersion', () => {
  it('is the version of the copy the plugin would resolve, else the range it declares', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'plugin-sdk-'));
    const withCopy = path.join(root, 'with-copy');
    mkdirSync(path.join(withCopy, 'node_modules/@tributary/api'), { recursive: true });
    writeFileSync(path.join(withCopy, 'node_modules/@tributary/api/package.json'), '{"version":"3.1.0"}');
    expect(pluginSdkVersion(withCopy, { peerDependencies: { '@tributary/api': '^3.0.0' } })).toBe('3.1.0');
    const declared = path.join(root, 'declared');
    mkdirSync(declared);
    expect(pluginSdkVersion(declared, { peerDependencies: { '@tributary/api': '^3.0.0' } })).toBe('^3.0.0');
    expect(pluginSdkVersion(declared, { dependencies: { '@tributary/api': 'workspace:*' } })).toBeNull();
    expect(pluginSdkVersion(declared, {})).toBeNull();
  });
});
