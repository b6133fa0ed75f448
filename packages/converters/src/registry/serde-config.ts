/**
 * What the three schema-registry converters (Avro, JSON Schema, Protobuf) share, as Confluent's
 * AbstractKafkaSchemaSerDeConfig: the registry keys, how a client is built from them, which registered
 * schema a serializer writes with, subject name strategies and the wire format's header.
 */
import {
  type ConfigCheck,
  ConfigException,
  type ConfigKey,
  ConfigKeys,
  DataException,
  defineConfig,
  parseJaasEntries,
} from '@tributary/api';
import { type ClientTlsSettings, type SslValues, clientTlsFrom, prefixedSslValues } from '@tributary/tls';
import { type RegistrySchema, SchemaRegistryClient, type SubjectVersion } from './registry-client.js';

export const STRATEGIES = {
  TopicNameStrategy: 'io.confluent.kafka.serializers.subject.TopicNameStrategy',
  RecordNameStrategy: 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
  TopicRecordNameStrategy: 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
} as const;

export type Strategy = keyof typeof STRATEGIES;

/** Confluent's client reads the keys under this prefix as its own (CachedSchemaRegistryClient). */
const CLIENT_NAMESPACE = 'schema.registry.';

/**
 * Kafka's client ssl.* keys under schema.registry., as Confluent's serde configs declare them
 * (SchemaRegistryClientConfig.withClientSslSupport); read by the one TLS loader in @tributary/tls.
 */
const sslKeys = {
  'schema.registry.ssl.truststore.location': ConfigKeys.string({
    default: null,
    importance: 'HIGH',
    doc: 'The truststore the registry certificate is checked against (PKCS12 or PEM); default: the CAs Node trusts.',
  }),
  'schema.registry.ssl.truststore.password': ConfigKeys.password({
    default: null,
    importance: 'HIGH',
    doc: 'The password of a PKCS12 truststore.',
  }),
  'schema.registry.ssl.truststore.type': ConfigKeys.string({
    default: 'JKS',
    importance: 'MEDIUM',
    doc: 'PKCS12 or PEM; JKS (the default) is read when the file is PKCS12, a real JKS file is refused.',
  }),
  'schema.registry.ssl.truststore.certificates': ConfigKeys.password({
    default: null,
    importance: 'MEDIUM',
    doc: 'Trusted certificates in PEM, inline, instead of a truststore file.',
  }),
  'schema.registry.ssl.keystore.location': ConfigKeys.string({
    default: null,
    importance: 'HIGH',
    doc: 'The keystore with the client certificate, for a registry that asks for one (PKCS12 or PEM).',
  }),
  'schema.registry.ssl.keystore.password': ConfigKeys.password({
    default: null,
    importance: 'HIGH',
    doc: 'The keystore password.',
  }),
  'schema.registry.ssl.keystore.type': ConfigKeys.string({
    default: 'JKS',
    importance: 'MEDIUM',
    doc: 'PKCS12 or PEM; JKS (the default) is read when the file is PKCS12, a real JKS file is refused.',
  }),
  'schema.registry.ssl.key.password': ConfigKeys.password({
    default: null,
    importance: 'HIGH',
    doc: "The private key's password (a PEM keystore's encrypted key; a PKCS12 key has the keystore's password).",
  }),
  'schema.registry.ssl.keystore.key': ConfigKeys.password({
    default: null,
    importance: 'MEDIUM',
    doc: 'The client private key in PEM, inline, with schema.registry.ssl.keystore.certificate.chain.',
  }),
  'schema.registry.ssl.keystore.certificate.chain': ConfigKeys.password({
    default: null,
    importance: 'MEDIUM',
    doc: 'The client certificate chain in PEM, inline, with schema.registry.ssl.keystore.key.',
  }),
  'schema.registry.ssl.endpoint.identification.algorithm': ConfigKeys.rawString({
    default: 'https',
    importance: 'LOW',
    doc: "https checks that the registry's certificate names the URL's host; empty (or none) turns the check off.",
  }),
  'schema.registry.ssl.enabled.protocols': ConfigKeys.rawString({
    default: 'TLSv1.2,TLSv1.3',
    importance: 'LOW',
    doc: 'The TLS versions offered.',
  }),
  'schema.registry.ssl.cipher.suites': ConfigKeys.rawString({
    default: null,
    importance: 'LOW',
    doc: "The cipher suites offered (IANA names); default: Node's.",
  }),
} as const;

type SslSettings = {
  -readonly [K in keyof typeof sslKeys]: (typeof sslKeys)[K] extends ConfigKey<infer T> ? T : never;
};

/** The keys every registry converter takes, under Confluent's names. */
export const serdeKeys = {
  'schema.registry.url': ConfigKeys.list({
    importance: 'HIGH',
    doc: 'Comma-separated list of URLs for schema registry instances that can be used to register or look up schemas.',
  }),
  'basic.auth.credentials.source': ConfigKeys.enum(['URL', 'USER_INFO', 'SASL_INHERIT'] as const, {
    default: 'URL',
    importance: 'MEDIUM',
    doc: 'Where the basic auth credentials come from: URL (user info in schema.registry.url), USER_INFO (basic.auth.user.info) or SASL_INHERIT (the username and password of sasl.jaas.config).',
  }),
  'basic.auth.user.info': ConfigKeys.password({
    default: null,
    importance: 'MEDIUM',
    doc: 'user:password for basic.auth.credentials.source=USER_INFO.',
  }),
  'sasl.jaas.config': ConfigKeys.password({
    default: null,
    importance: 'MEDIUM',
    doc: 'For basic.auth.credentials.source=SASL_INHERIT: a login module entry whose username and password options are the credentials (PlainLoginModule, ScramLoginModule).',
  }),
  'bearer.auth.credentials.source': ConfigKeys.enum(
    ['STATIC_TOKEN', 'OAUTHBEARER', 'SASL_OAUTHBEARER_INHERIT'] as const,
    {
      default: null,
      importance: 'MEDIUM',
      doc: 'Bearer auth; only STATIC_TOKEN (bearer.auth.token) is supported.',
    },
  ),
  'bearer.auth.token': ConfigKeys.password({ default: null, importance: 'MEDIUM', doc: 'The static bearer token.' }),
  'auto.register.schemas': ConfigKeys.boolean({
    default: true,
    importance: 'MEDIUM',
    doc: 'Register the schema of each record when it is not registered yet.',
  }),
  'use.latest.version': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: "Write with the subject's latest registered schema (with auto.register.schemas=false).",
  }),
  'use.schema.id': ConfigKeys.int({ default: -1, importance: 'LOW', doc: 'Write with this schema id.' }),
  'normalize.schemas': ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: 'Ask the registry to normalize schemas when registering and looking up.',
  }),
  'key.subject.name.strategy': ConfigKeys.string({
    default: STRATEGIES.TopicNameStrategy,
    importance: 'MEDIUM',
    doc: 'How the key subject is named: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Java class names).',
  }),
  'value.subject.name.strategy': ConfigKeys.string({
    default: STRATEGIES.TopicNameStrategy,
    importance: 'MEDIUM',
    doc: 'How the value subject is named: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Java class names).',
  }),
  'schemas.cache.config': ConfigKeys.int({
    default: 1000,
    importance: 'LOW',
    doc: 'Size of the schema caches (by Connect schema and by id).',
  }),
  'schema.registry.request.timeout.ms': ConfigKeys.int({
    default: 30_000,
    importance: 'LOW',
    doc: 'How long one registry request may take.',
  }),
  ...sslKeys,
} as const;

/** scrub.invalid.names, which Confluent's AvroDataConfig and ProtobufDataConfig both declare. */
export function scrubInvalidNamesKey(format: 'Avro' | 'Protobuf'): ConfigKey<boolean> {
  return ConfigKeys.boolean({
    default: false,
    importance: 'LOW',
    doc: `Replace characters that are not valid in ${format} names with underscores.`,
  });
}

/** The parsed values of serdeKeys that building a client and naming subjects need. */
export interface SerdeSettings extends SslSettings {
  'schema.registry.url': readonly string[];
  'basic.auth.credentials.source': 'URL' | 'USER_INFO' | 'SASL_INHERIT';
  'basic.auth.user.info': { value(): string } | null;
  'sasl.jaas.config': { value(): string } | null;
  'bearer.auth.credentials.source': 'STATIC_TOKEN' | 'OAUTHBEARER' | 'SASL_OAUTHBEARER_INHERIT' | null;
  'bearer.auth.token': { value(): string } | null;
  'key.subject.name.strategy': string;
  'value.subject.name.strategy': string;
  'schema.registry.request.timeout.ms': number;
}

export function strategyOf(name: string): Strategy | null {
  for (const [short, full] of Object.entries(STRATEGIES)) if (name === full || name === short) return short as Strategy;
  return null;
}

/**
 * The rules between the registry keys, as ConfigDef checks: parse() and validate() report each on its
 * key, all of them at once. One check per rule, so a key that failed to parse skips only the rules
 * that read it.
 */
export const serdeChecks: ConfigCheck<SerdeSettings>[] = [
  (cfg, report) => {
    if (cfg['schema.registry.url'].length === 0)
      report('schema.registry.url', 'Missing required configuration "schema.registry.url" which has no default value.');
    for (const u of cfg['schema.registry.url']) {
      if (!URL.canParse(u)) report('schema.registry.url', `'${u}' is not a URL`);
    }
  },
  (cfg, report) => {
    const source = cfg['basic.auth.credentials.source'];
    if (source === 'SASL_INHERIT' && saslUserInfo(cfg['sasl.jaas.config']?.value() ?? '') === null)
      report(
        'basic.auth.credentials.source',
        "SASL_INHERIT: Provided SASL Login module doesn't provide username and password options and can't be inherited (set sasl.jaas.config in the converter's keys)",
      );
    if (source === 'USER_INFO' && !cfg['basic.auth.user.info']?.value())
      report('basic.auth.user.info', 'required with basic.auth.credentials.source=USER_INFO (user:password)');
  },
  (cfg, report) => {
    const bearer = cfg['bearer.auth.credentials.source'];
    if (bearer && bearer !== 'STATIC_TOKEN')
      report('bearer.auth.credentials.source', `${bearer} is not supported; use STATIC_TOKEN`);
    if (bearer === 'STATIC_TOKEN' && !cfg['bearer.auth.token']?.value())
      report('bearer.auth.token', 'required with bearer.auth.credentials.source=STATIC_TOKEN');
  },
  (cfg, report) => {
    try {
      registryTls(cfg);
    } catch (e) {
      if (!(e instanceof ConfigException)) throw e;
      for (const [key, messages] of Object.entries(e.errors)) for (const m of messages) report(key, m);
    }
  },
  (cfg, report) => {
    for (const key of ['key.subject.name.strategy', 'value.subject.name.strategy'] as const) {
      if (strategyOf(cfg[key]) === null)
        report(key, `'${cfg[key]}' is not one of ${Object.values(STRATEGIES).join(', ')}`);
    }
  },
];

/** As Confluent's SaslBasicAuthCredentialProvider: `username:password` of the first login module entry, if it has them. */
function saslUserInfo(jaasConfig: string): string | null {
  let entries: ReturnType<typeof parseJaasEntries>;
  try {
    entries = parseJaasEntries(jaasConfig);
  } catch {
    return null;
  }
  const options = entries[0]?.options;
  return options?.username !== undefined ? `${options.username}:${options.password}` : null;
}

/** The schema.registry.ssl.* values as the TLS loader reads them: plain strings, passwords revealed. */
function sslValuesOf(cfg: SslSettings): SslValues {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(sslKeys) as (keyof SslSettings)[]) {
    const v = cfg[key];
    if (v !== null) raw[key] = typeof v === 'string' ? v : v.value();
  }
  return prefixedSslValues(raw, CLIENT_NAMESPACE);
}

/** The client's TLS from schema.registry.ssl.*; a ConfigException naming each bad key. */
export function registryTls(cfg: SslSettings): ClientTlsSettings {
  return clientTlsFrom(sslValuesOf(cfg), { what: 'schema registry client' });
}

/** The registry client settings that passed serdeChecks describe: URLs without user info, auth and request headers. */
export function registryClientFrom(props: Readonly<Record<string, string>>, cfg: SerdeSettings): SchemaRegistryClient {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    const m = /^(?:schema\.registry\.)?request\.header\.(.+)$/.exec(k);
    if (m) headers[m[1]!] = v;
  }
  let urls = [...cfg['schema.registry.url']];
  const source = cfg['basic.auth.credentials.source'];
  if (source === 'USER_INFO') {
    headers.authorization = `Basic ${Buffer.from(cfg['basic.auth.user.info']!.value()).toString('base64')}`;
  } else if (source === 'SASL_INHERIT') {
    headers.authorization = `Basic ${Buffer.from(saslUserInfo(cfg['sasl.jaas.config']!.value())!).toString('base64')}`;
  } else {
    urls = urls.map((u) => {
      const url = new URL(u);
      if (!url.username) return u;
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
      return url.toString();
    });
  }
  if (cfg['bearer.auth.credentials.source'] === 'STATIC_TOKEN')
    headers.authorization = `Bearer ${cfg['bearer.auth.token']!.value()}`;
  return new SchemaRegistryClient({
    urls,
    headers,
    timeoutMs: cfg['schema.registry.request.timeout.ms'],
    tls: registryTls(cfg),
    tlsKeys: {
      truststore: `${CLIENT_NAMESPACE}ssl.truststore.location`,
      keystore: `${CLIENT_NAMESPACE}ssl.keystore.location`,
      endpointIdentification: `${CLIENT_NAMESPACE}ssl.endpoint.identification.algorithm`,
    },
  });
}

/** The registry keys alone, checked as the converters check them: for tools that talk to a registry without converting. */
export const RegistryClientConfig = defineConfig(serdeKeys).withChecks(...serdeChecks);

/** A client for the registry these converter-style keys name (ConfigException naming each bad key). */
export function registryClient(props: Readonly<Record<string, string>>): SchemaRegistryClient {
  return registryClientFrom(props, RegistryClientConfig.parse(props));
}

/** The keys that decide which registered schema a serializer writes with. */
export interface WriterSchemaSettings {
  'auto.register.schemas': boolean;
  'use.latest.version': boolean;
  'use.schema.id': number;
  'normalize.schemas': boolean;
}

/** The registry's answer for a record's schema: the id to write with, how it was found and, by id or latest, its schema. */
export type ResolvedWriterSchema =
  | { id: number; via: 'id'; registered: RegistrySchema }
  | { id: number; via: 'latest'; registered: SubjectVersion }
  | { id: number; via: 'register' | 'lookup'; registered: null };

/**
 * Which registered schema a serializer writes a record with, in the order of Confluent's serializers:
 * `use.schema.id`, else register the record's schema (`auto.register.schemas`), else the subject's
 * latest version (`use.latest.version`), else look the record's schema up. `registered` is the registry's
 * schema when it is not the record's own (by id or latest), for the converter to write with.
 */
export async function resolveWriterSchema(
  client: SchemaRegistryClient,
  cfg: WriterSchemaSettings,
  subject: string,
  own: RegistrySchema,
): Promise<ResolvedWriterSchema> {
  const normalize = cfg['normalize.schemas'];
  const useId = cfg['use.schema.id'];
  if (useId >= 0) return { id: useId, via: 'id', registered: await client.schemaById(useId) };
  if (cfg['auto.register.schemas'])
    return { id: await client.register(subject, own, normalize), via: 'register', registered: null };
  if (cfg['use.latest.version']) {
    const latest = await client.version(subject, 'latest');
    return { id: latest.id, via: 'latest', registered: latest };
  }
  return { id: (await client.lookup(subject, own, normalize)).id, via: 'lookup', registered: null };
}

/** TopicNameStrategy's subject: `<topic>-key` or `<topic>-value`. */
export function topicNameSubject(topic: string, isKey: boolean): string {
  return `${topic}-${isKey ? 'key' : 'value'}`;
}

/** The subject a record's schema goes under (Confluent's TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy). */
export function subjectName(cfg: SerdeSettings, isKey: boolean, topic: string, recordName: string | null): string {
  const strategy = strategyOf(cfg[isKey ? 'key.subject.name.strategy' : 'value.subject.name.strategy'])!;
  if (strategy === 'TopicNameStrategy') return topicNameSubject(topic, isKey);
  if (!recordName)
    throw new DataException(`${strategy} needs a record (struct) schema; this ${isKey ? 'key' : 'value'} is not one`);
  return strategy === 'RecordNameStrategy' ? recordName : `${topic}-${recordName}`;
}

/** Confluent's wire format: magic byte 0, the schema id as 4 bytes big-endian, then `body`. */
export function frame(id: number, body: Uint8Array, prefix: Uint8Array = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(5 + prefix.length + body.length);
  out[0] = 0;
  out.writeInt32BE(id, 1);
  out.set(prefix, 5);
  out.set(body, 5 + prefix.length);
  return out;
}

const EMPTY = new Uint8Array(0);

/** The schema id of a framed value, and the bytes after the header. */
export function unframe(topic: string, format: string, value: Uint8Array): { id: number; rest: Buffer } {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buf.length < 5 || buf[0] !== 0)
    throw new DataException(`Failed to deserialize data for topic ${topic} to ${format}: Unknown magic byte!`);
  return { id: buf.readInt32BE(1), rest: buf.subarray(5) };
}
