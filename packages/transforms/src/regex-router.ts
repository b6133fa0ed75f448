/** The RegexRouter SMT: renames the topic when it matches a regex (Kafka Connect's RegexRouter). */
import { ConfigException, ConfigKeys, type ConnectRecord, defineConfig, type Transformation } from '@tributary/api';
import { javaRegex, javaReplacement, regexError } from './util.js';

export const RegexRouterConfig = defineConfig({
  regex: ConfigKeys.rawString({ importance: 'HIGH', doc: 'Regular expression to use for matching.' }),
  replacement: ConfigKeys.rawString({ importance: 'HIGH', doc: 'Replacement string.' }),
});

/** Kafka Connect's RegexRouter: renames the topic when the whole name matches the regex ($1, ${name} in the replacement). */
export class RegexRouter implements Transformation {
  #regex = /^$/;
  #replace: (match: string, ...args: unknown[]) => string = () => '';

  config(): typeof RegexRouterConfig {
    return RegexRouterConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    const c = RegexRouterConfig.parse(props);
    const err = regexError(c.regex);
    if (err)
      throw new ConfigException({ regex: [`Invalid value ${c.regex} for configuration regex: Invalid regex: ${err}`] });
    this.#regex = javaRegex(c.regex, true);
    try {
      this.#replace = javaReplacement(c.replacement);
    } catch (e) {
      throw new ConfigException({
        replacement: [`Invalid value ${c.replacement} for configuration replacement: ${(e as Error).message}`],
      });
    }
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    if (!this.#regex.test(record.topic)) return record;
    const topic = record.topic.replace(this.#regex, this.#replace);
    return record.newRecord({ topic });
  }

  close(): void {}
}
