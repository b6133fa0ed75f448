import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classPrefix, commandSdkVersion, scaffoldConnector } from './connector.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));

describe('scaffoldConnector', () => {
  it('writes a package named after its directory, with every token replaced', () => {
    const dir = path.join(tmp(), 'acme-orders');
    const made = scaffoldConnector(dir);
    expect(made.packageName).toBe('acme-orders');
    expect(made.name).toBe('AcmeOrders');
    expect(made.files).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'src/config.ts',
      'src/connectors.test.ts',
      'src/index.ts',
      'src/sink.ts',
      'src/source.ts',
      'src/version.ts',
      'tsconfig.json',
    ]);
    for (const f of made.files) expect(readFileSync(path.join(dir, f), 'utf8')).not.toMatch(/__[a-zA-Z]+__/);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.tributary).toEqual({ plugins: './dist/index.js' });
    // One SDK copy: the worker's, as a peer; the same version for the build and the test driver.
    const range = `^${commandSdkVersion()}`;
    expect(pkg.peerDependencies).toEqual({ '@tributary/api': range });
    expect(pkg.devDependencies['@tributary/api']).toBe(range);
    expect(pkg.devDependencies['@tributary/testkit']).toBe(range);
    expect(readFileSync(path.join(dir, 'src/index.ts'), 'utf8')).toContain("className: 'AcmeOrdersSourceConnector'");
  });

  it('takes a scoped package name and makes class names from it', () => {
    const made = scaffoldConnector(path.join(tmp(), 'x'), { packageName: '@acme/tributary-orders-connector' });
    expect(made.name).toBe('Orders');
    expect(JSON.parse(readFileSync(path.join(made.dir, 'package.json'), 'utf8')).name).toBe(
      '@acme/tributary-orders-connector',
    );
    expect(classPrefix('3d-printer')).toBe('C3dPrinter');
  });

  it('refuses a directory that holds anything, and a name npm would refuse', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'keep.txt'), 'x');
    expect(() => scaffoldConnector(dir)).toThrow(`${dir} exists and is not an empty directory`);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    const empty = path.join(tmp(), 'Bad Name');
    mkdirSync(empty);
    expect(() => scaffoldConnector(empty)).toThrow("'bad name' is not a valid npm package name");
  });
});
