/** The SMT predicates TopicNameMatches, HasHeaderKey and RecordIsTombstone (Kafka Connect's predicates). */
import { ConfigException, ConfigKeys, type ConnectRecord, defineConfig, type Predicate } from '@tributary/api';
import { javaRegex, regexError } from './util.js';

export const TopicNameMatchesConfig = defineConfig({
  pattern: ConfigKeys.rawString({
    importance: 'MEDIUM',
    doc: "A Java regular expression for matching against the name of a record's topic.",
  }),
});

/** Kafka Connect's TopicNameMatches: true when the whole topic name matches the pattern. */
export class TopicNameMatches implements Predicate {
  #pattern = /^$/;

  config(): typeof TopicNameMatchesConfig {
    return TopicNameMatchesConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const pattern = TopicNameMatchesConfig.parse(props).pattern;
    if (pattern === '')
      throw new ConfigException({ pattern: ['Invalid value  for configuration pattern: String must be non-empty'] });
    const err = regexError(pattern);
    if (err)
      throw new ConfigException({
        pattern: [`Invalid value ${pattern} for configuration pattern: entry must be a valid regex: ${err}`],
      });
    this.#pattern = javaRegex(pattern, true);
  }

  test(record: ConnectRecord): boolean {
    return record.topic !== null && record.topic !== undefined && this.#pattern.test(record.topic);
  }

  close(): void {}
}

export const HasHeaderKeyConfig = defineConfig({
  name: ConfigKeys.string({ importance: 'MEDIUM', doc: 'The header name.' }),
});

/** Kafka Connect's HasHeaderKey: true when the record has at least one header with the name. */
export class HasHeaderKey implements Predicate {
  #name = '';

  config(): typeof HasHeaderKeyConfig {
    return HasHeaderKeyConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const name = HasHeaderKeyConfig.parse(props).name;
    if (name === '')
      throw new ConfigException({ name: ['Invalid value  for configuration name: String must be non-empty'] });
    this.#name = name;
  }

  test(record: ConnectRecord): boolean {
    return record.headers.lastWithName(this.#name) !== null;
  }

  close(): void {}
}

const RecordIsTombstoneConfig = defineConfig({});

/** Kafka Connect's RecordIsTombstone: true when the record value is null. */
export class RecordIsTombstone implements Predicate {
  config(): typeof RecordIsTombstoneConfig {
    return RecordIsTombstoneConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    RecordIsTombstoneConfig.parse(props);
  }

  test(record: ConnectRecord): boolean {
    return record.value === null || record.value === undefined;
  }

  close(): void {}
}
