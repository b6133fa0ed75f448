import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryConfigError, parseRegistryConfig, readUsersFile, rolesAllow } from './config.js';

describe('schema-registry.properties', () => {
  it("takes Confluent's keys with Confluent's defaults", () => {
    const c = parseRegistryConfig({ 'kafkastore.bootstrap.servers': 'PLAINTEXT://k1:9092,k2:9092' });
    expect(c.listeners).toEqual([{ protocol: 'http', host: '127.0.0.1', port: 8081 }]);
    expect(c.bootstrapServers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.topic).toBe('_schemas');
    expect(c.groupId).toBe('schema-registry');
    expect(c.leaderEligibility).toBe(true);
    expect(c.compatibility).toBe('BACKWARD');
    expect(
      parseRegistryConfig({ 'kafkastore.bootstrap.servers': 'k:9092', 'avro.compatibility.level': 'full' })
        .compatibility,
    ).toBe('FULL');
  });

  it('names every bad key at once', () => {
    let err: unknown;
    try {
      parseRegistryConfig(
        {
          listeners: 'ftp://x:1',
          'schema.compatibility.level': 'sideways',
          'leader.eligibility': 'maybe',
          'authentication.method': 'BASIC',
        },
        {},
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistryConfigError);
    expect((err as RegistryConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'listeners',
      'kafkastore.bootstrap.servers',
      'schema.compatibility.level',
      'authentication.method',
      'leader.eligibility',
    ]);
  });
});

describe('basic auth as rest-utils configures it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sr-jaas-'));
  const users = path.join(dir, 'users.properties');
  writeFileSync(users, 'alice: s3cret,admin\nbob: other\n');
  const jaas = path.join(dir, 'jaas.conf');
  writeFileSync(
    jaas,
    `// Confluent's example\nSchemaRegistry-Props {\n  org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required\n  file="${users}";\n};\nOther { com.example.LdapLoginModule required; };\n`,
  );
  const base = { 'kafkastore.bootstrap.servers': 'k:9092', 'authentication.method': 'BASIC' };
  const problems = (props: Record<string, string>, env: NodeJS.ProcessEnv): string[] => {
    try {
      parseRegistryConfig({ ...base, ...props }, env);
      return [];
    } catch (e) {
      return (e as RegistryConfigError).problems;
    }
  };

  it('reads the users from the JAAS file in SCHEMA_REGISTRY_OPTS, section authentication.realm', () => {
    const c = parseRegistryConfig(
      { ...base, 'authentication.realm': 'SchemaRegistry-Props', 'authentication.roles': 'admin' },
      { SCHEMA_REGISTRY_OPTS: `-Djava.security.auth.login.config=${jaas}` },
    );
    expect(c.basicAuth).toEqual({ realm: 'SchemaRegistry-Props', usersFile: users, roles: ['admin'] });
    expect(readUsersFile(users).get('alice')).toEqual({ password: 's3cret', roles: ['admin'] });
  });

  it('names what is missing: the JAAS file, the realm, a section of Java login modules', () => {
    expect(problems({}, {})[0]).toMatch(/^authentication\.method: BASIC needs the users/);
    expect(problems({ 'java.security.auth.login.config': jaas }, {})[0]).toMatch(
      /^authentication\.realm: required with a JAAS file: the name of its section \(SchemaRegistry-Props, Other/,
    );
    expect(problems({ 'java.security.auth.login.config': jaas, 'authentication.realm': 'Nope' }, {})).toEqual([
      `authentication.realm: the JAAS file ${jaas} has no Nope section`,
    ]);
    expect(problems({ 'java.security.auth.login.config': jaas, 'authentication.realm': 'Other' }, {})[0]).toMatch(
      /com\.example\.LdapLoginModule.*other login modules are Java code/,
    );
  });

  it('authentication.roles: * any role, ** anyone, a list one of its roles, empty nobody', () => {
    expect(rolesAllow(['*'], ['admin'])).toBe(true);
    expect(rolesAllow(['*'], [])).toBe(false);
    expect(rolesAllow(['**'], [])).toBe(true);
    expect(rolesAllow(['admin', 'developer'], ['developer'])).toBe(true);
    expect(rolesAllow(['admin'], ['user'])).toBe(false);
    expect(rolesAllow([], ['admin'])).toBe(false);
  });
});
