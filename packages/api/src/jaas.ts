// JAAS login configuration as Java reads it: the files of -Djava.security.auth.login.config (Kafka Connect's
// BasicAuth extension, Confluent's registry) and the one-entry sasl.jaas.config values of Kafka's clients.

export interface JaasEntry {
  module: string;
  flag: string;
  options: Record<string, string>;
}

/** `module flag key="value" …;` entries, as inside a section or in a sasl.jaas.config value. */
export function parseJaasEntries(text: string): JaasEntry[] {
  const entries: JaasEntry[] = [];
  for (const raw of text.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const body = raw.trim();
    if (!body) continue;
    const head = /^(\S+)\s+(required|requisite|sufficient|optional)\b([\s\S]*)$/i.exec(body);
    if (!head) throw new Error(`Cannot read the JAAS entry '${body}': expected '<LoginModule> required key="value";'`);
    const options: Record<string, string> = {};
    for (const o of head[3]!.matchAll(/([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
      options[o[1]!] = o[2] !== undefined ? o[2].replace(/\\(.)/g, '$1') : o[3]!;
    }
    entries.push({ module: head[1]!, flag: head[2]!.toLowerCase(), options });
  }
  return entries;
}

/** A JAAS login configuration file: `Name { module flag key="value" ...; };` sections, with // and /* comments. */
export function parseJaasFile(text: string): Map<string, JaasEntry[]> {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"])\/\/.*$/gm, '$1');
  const sections = new Map<string, JaasEntry[]>();
  for (const m of src.matchAll(/([A-Za-z0-9_.-]+)\s*\{([\s\S]*?)\}\s*;/g)) sections.set(m[1]!, parseJaasEntries(m[2]!));
  return sections;
}

/** -Djava.security.auth.login.config=… (or ==…) from JVM options (KAFKA_OPTS, SCHEMA_REGISTRY_OPTS), as the JVM sees it. */
export function jaasFileFromKafkaOpts(kafkaOpts: string | undefined): string | undefined {
  const m = /(?:^|\s)-Djava\.security\.auth\.login\.config==?("[^"]*"|'[^']*'|\S+)/.exec(kafkaOpts ?? '');
  return m ? m[1]!.replace(/^["']|["']$/g, '') : undefined;
}
