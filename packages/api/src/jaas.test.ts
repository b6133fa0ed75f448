import { describe, expect, it } from 'vitest';
import { jaasFileFromKafkaOpts, parseJaasEntries, parseJaasFile } from './jaas.js';

describe('parseJaasFile', () => {
  it('reads sections, flags and quoted options, skipping comments', () => {
    const sections = parseJaasFile(`
      /* the REST extension */
      KafkaConnect {
        // one module
        org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
          file="/etc/connect/a;b.password"
          debug=true;
      };
      KafkaServer { org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p"; };
    `);
    expect(sections.get('KafkaConnect')).toEqual([
      {
        module: 'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule',
        flag: 'required',
        options: { file: '/etc/connect/a;b.password', debug: 'true' },
      },
    ]);
    expect(sections.get('KafkaServer')?.[0]?.options).toEqual({ username: 'u', password: 'p' });
  });

  it('refuses an entry without a flag', () => {
    expect(() => parseJaasFile('KafkaConnect { com.example.Module file="x"; };')).toThrow(
      /expected '<LoginModule> required/,
    );
  });
});

describe('jaasFileFromKafkaOpts', () => {
  it('finds -Djava.security.auth.login.config among other JVM options', () => {
    expect(jaasFileFromKafkaOpts('-Xmx1g -Djava.security.auth.login.config=/etc/c.conf -Dx=y')).toBe('/etc/c.conf');
    expect(jaasFileFromKafkaOpts('-Djava.security.auth.login.config=="/etc/my c.conf"')).toBe('/etc/my c.conf');
    expect(jaasFileFromKafkaOpts('-Xmx1g')).toBeUndefined();
    expect(jaasFileFromKafkaOpts(undefined)).toBeUndefined();
  });
});

describe('parseJaasEntries', () => {
  it('reads a sasl.jaas.config value', () => {
    expect(
      parseJaasEntries('org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p;q";'),
    ).toEqual([
      {
        module: 'org.apache.kafka.common.security.plain.PlainLoginModule',
        flag: 'required',
        options: { username: 'u', password: 'p;q' },
      },
    ]);
  });
});
