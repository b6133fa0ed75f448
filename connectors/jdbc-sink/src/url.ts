// JDBC URLs (jdbc:postgresql://…, jdbc:mariadb://…, jdbc:mysql://…) taken apart into what a Node driver needs.

export type DialectName = 'postgresql' | 'mysql' | 'mariadb';

export interface JdbcUrl {
  dialect: DialectName;
  host: string;
  port: number;
  database: string;
  /** Query parameters (and MySQL's `;`-separated properties), keys as written. */
  params: Record<string, string>;
}

/** Thrown by the URL parser when the key to blame is not connection.url itself. */
export class UrlKeyError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_PORTS: Record<DialectName, number> = { postgresql: 5432, mysql: 3306, mariadb: 3306 };

/** Confluent's dialect class names, Debezium's Hibernate-less names and the short ones. */
const DIALECT_NAMES: Record<string, DialectName> = {
  postgresqldatabasedialect: 'postgresql',
  postgresql: 'postgresql',
  postgres: 'postgresql',
  mysqldatabasedialect: 'mysql',
  mysql: 'mysql',
  mariadbdatabasedialect: 'mariadb',
  mariadbdialect: 'mariadb',
  mariadb: 'mariadb',
};

/** The dialect a dialect.name value names, or null when it names none we have. */
export function dialectFromName(name: string): DialectName | null {
  return DIALECT_NAMES[name.trim().toLowerCase()] ?? null;
}

/**
 * Parses a JDBC URL. Several hosts (failover lists) are accepted and the first is used; `dialectName`
 * (dialect.name) overrides the subprotocol.
 */
export function parseJdbcUrl(url: string, dialectName = ''): JdbcUrl {
  const m = /^jdbc:([a-z0-9]+):(.*)$/i.exec(url.trim());
  if (!m) throw new Error(`Not a JDBC URL (expected jdbc:postgresql://host:port/database): ${redact(url)}`);
  const sub = m[1]!.toLowerCase();
  const fromUrl = dialectFromName(sub);
  const fromName = dialectName ? dialectFromName(dialectName) : null;
  if (dialectName && !fromName)
    throw new UrlKeyError(
      'dialect.name',
      `'${dialectName}' is not one of PostgreSqlDatabaseDialect, MySqlDatabaseDialect, MariaDbDatabaseDialect`,
    );
  const dialect = fromName ?? fromUrl;
  if (!dialect) throw new Error(`Unsupported JDBC subprotocol '${sub}' (supported: postgresql, mariadb, mysql)`);
  let rest = m[2]!;
  const params: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(rest.slice(q + 1).replace(/;/g, '&'))) params[k] = v;
    rest = rest.slice(0, q);
  }
  // MySQL Connector/J and MariaDB also take ;key=value properties after the database.
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    for (const kv of rest.slice(semi + 1).split(';')) {
      const eq = kv.indexOf('=');
      if (eq > 0) params[kv.slice(0, eq)] = decodeURIComponent(kv.slice(eq + 1));
    }
    rest = rest.slice(0, semi);
  }
  let host = 'localhost';
  let port = DEFAULT_PORTS[fromUrl ?? dialect];
  let database = rest;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
    database = slash >= 0 ? rest.slice(slash + 1) : '';
    const first = authority.split(',')[0] ?? '';
    // user:password@ in the authority (MariaDB accepts it).
    const at = first.lastIndexOf('@');
    const hostPort = at >= 0 ? first.slice(at + 1) : first;
    if (at >= 0) {
      const [u, p] = first.slice(0, at).split(':');
      if (u) params.user ??= decodeURIComponent(u);
      if (p !== undefined) params.password ??= decodeURIComponent(p);
    }
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
    const hp = v6 ? [v6[1]!, v6[2]] : hostPort.split(':');
    if (hp[0]) host = hp[0];
    if (hp[1]) {
      port = Number(hp[1]);
      if (!Number.isInteger(port) || port <= 0 || port > 65535)
        throw new Error(`Bad port '${hp[1]}' in connection.url`);
    }
  }
  database = decodeURIComponent(database);
  if (!database) throw new Error(`connection.url names no database: ${redact(url)}`);
  return { dialect, host, port, database, params };
}

/** The URL with any password parameter hidden, for messages. */
export function redact(url: string): string {
  return url.replace(/(password=)[^&;]*/gi, '$1[hidden]').replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1[hidden]@');
}

/** Whether the URL's ssl parameters ask for TLS (ssl=true, sslmode other than disable, useSSL=true…). */
export function wantsSsl(params: Readonly<Record<string, string>>): { enabled: boolean; verify: boolean } {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
  const mode = p.sslmode ?? p['ssl-mode'] ?? p.sslmode;
  if (mode) {
    if (mode === 'disable' || mode === 'disabled' || mode === 'allow' || mode === 'prefer' || mode === 'preferred')
      return { enabled: false, verify: false };
    return { enabled: true, verify: mode.startsWith('verify') };
  }
  const flag = p.ssl ?? p.usessl ?? p.usessl;
  if (flag === 'true' || flag === '1') return { enabled: true, verify: false };
  return { enabled: false, verify: false };
}
