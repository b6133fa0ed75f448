// Picks the dialect for a config: a new database is one more file here, not a fork of the writer.
import type { JdbcSinkConfig } from '../config.js';
import type { Dialect } from '../dialect.js';
import { MySqlDialect } from './mysql.js';
import { PostgresDialect } from './postgres.js';

export function dialectFor(config: JdbcSinkConfig): Dialect {
  switch (config.url.dialect) {
    case 'postgresql':
      return new PostgresDialect(config.quoteIdentifiers);
    case 'mysql':
    case 'mariadb':
      return new MySqlDialect(config.url.dialect);
  }
}
