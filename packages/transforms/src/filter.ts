/** The Filter SMT: drops every record it is applied to, usually paired with a predicate (Kafka Connect's Filter). */
import { type ConnectRecord, defineConfig, type Transformation } from '@tributary/api';

const FilterConfig = defineConfig({});

/** Kafka Connect's Filter: drops every record it is applied to; pair it with a predicate to choose which. */
export class Filter implements Transformation {
  config(): typeof FilterConfig {
    return FilterConfig;
  }

  configure(props: Readonly<Record<string, string>>): void {
    FilterConfig.parse(props);
  }

  apply<R extends ConnectRecord>(_record: R): R | null {
    return null;
  }

  close(): void {}
}
