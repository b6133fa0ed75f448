// Kafka's ssl.* keys (SslConfigs, Kafka Connect's SSLUtils, Confluent's SslFactory) as Node TLS options: one loader for
// the worker's REST listeners and inter-worker requests, the schema registry's listeners and forwarding, and the
// registry converters' client (schema.registry.ssl.*).
import { readFileSync } from 'node:fs';
import { constants as cryptoConstants } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import { type TLSSocket, createSecureContext, getCiphers } from 'node:tls';
import forge from 'node-forge';
import { ConfigException } from '@tributary/api';

/** What a listener or an inter-worker client needs from the ssl.* keys, as Node's tls options. */
export interface TlsSettings {
  pfx?: Buffer;
  key?: string;
  cert?: string;
  passphrase?: string;
  /** The truststore's certificates; undefined: Node's default CAs (as the JVM's cacerts). */
  ca?: string[];
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  secureOptions?: number;
  ciphers?: string;
}

export interface ServerTlsSettings extends TlsSettings {
  /** ssl.client.auth: none | requested | required. */
  clientAuth: 'none' | 'requested' | 'required';
}

export interface ClientTlsSettings extends TlsSettings {
  /** ssl.endpoint.identification.algorithm: https (default) checks the host name; empty turns the check off. */
  verifyHostname: boolean;
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const NO_PROTOCOL_FLAG: Record<Protocol, number> = {
  TLSv1: cryptoConstants.SSL_OP_NO_TLSv1,
  'TLSv1.1': cryptoConstants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': cryptoConstants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': cryptoConstants.SSL_OP_NO_TLSv1_3,
};

/** Where the ssl.* keys are read: `get('ssl.keystore.location')`, and the name the user wrote it under (for errors). */
export interface SslValues {
  get(key: string): string | undefined;
  name(key: string): string;
}

/** One bad ssl.* key: the name as the user wrote it and what is wrong. */
export interface SslProblem {
  key: string;
  message: string;
}

/**
 * As AbstractConfig.valuesWithPrefixAllOrNothing: when any key starts with the prefix (listeners.https.,
 * admin.listeners.https.), only the prefixed keys count; otherwise the plain ssl.* keys do. The answer is keyed
 * by the name as the user wrote it, so errors can name it.
 */
export function sslValues(props: Readonly<Record<string, string>>, prefix: string): SslValues {
  const prefixed = Object.keys(props).some((k) => k.startsWith(prefix));
  return prefixedSslValues(props, prefixed ? prefix : '');
}

/** The ssl.* keys under a fixed prefix, as Confluent's clients read theirs (schema.registry.ssl.*). */
export function prefixedSslValues(props: Readonly<Record<string, string | undefined>>, prefix: string): SslValues {
  return {
    get: (key) => props[prefix + key],
    name: (key) => prefix + key,
  };
}

type Values = SslValues;

function problem(problems: SslProblem[], values: Values, key: string, message: string): void {
  problems.push({ key: values.name(key), message });
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function readFile(values: Values, key: string, problems: SslProblem[]): Buffer | undefined {
  const location = values.get(key);
  if (location === undefined || location === '') return undefined;
  try {
    return readFileSync(location);
  } catch (e) {
    problem(problems, values, key, `cannot read ${location}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return undefined;
  }
}

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

/**
 * The store's format: JKS is Java's default type, and Java reads a PKCS12 file under type JKS too
 * (keystore.type.compat), so the file decides; a real JKS or JCEKS file cannot be read by Node.
 */
function storeFormat(
  data: Buffer,
  declared: string,
  values: Values,
  kind: 'keystore' | 'truststore',
  problems: SslProblem[],
): 'PKCS12' | 'PEM' | null {
  const type = declared.toUpperCase();
  const magic = data.length >= 4 ? data.readUInt32BE(0) : 0;
  if (magic === JKS_MAGIC || magic === JCEKS_MAGIC || type === 'JCEKS' || type === 'BCFKS') {
    problem(
      problems,
      values,
      `ssl.${kind}.location`,
      `${values.get(`ssl.${kind}.location`)} is a ${magic === JCEKS_MAGIC ? 'JCEKS' : type === 'BCFKS' ? 'BCFKS' : 'JKS'} ${kind}, which Node cannot read; ` +
        `convert it to PKCS12 (keytool -importkeystore -srckeystore <file> -destkeystore <file>.p12 -deststoretype PKCS12) ` +
        `and set ${values.name(`ssl.${kind}.type`)}=PKCS12, or use PEM`,
    );
    return null;
  }
  if (type === 'PEM') return 'PEM';
  if (type === 'PKCS12' || type === 'JKS') {
    if (data[0] === 0x30) return 'PKCS12';
    if (data.toString('latin1', 0, 64).includes('-----BEGIN')) {
      problem(
        problems,
        values,
        `ssl.${kind}.type`,
        `${values.get(`ssl.${kind}.location`)} holds PEM; set ${values.name(`ssl.${kind}.type`)}=PEM`,
      );
      return null;
    }
    problem(problems, values, `ssl.${kind}.location`, `${values.get(`ssl.${kind}.location`)} is not a PKCS12 file`);
    return null;
  }
  problem(
    problems,
    values,
    `ssl.${kind}.type`,
    `unsupported type ${declared}; expected PKCS12, PEM (or JKS files in PKCS12 format)`,
  );
  return null;
}

function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

function derToPem(der: string): string {
  const b64 = forge.util.encode64(der).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The certificates of a PKCS12 truststore (Node's OpenSSL reads a PKCS12 file only together with a key). */
function pkcs12Certificates(data: Buffer, password: string | undefined): string[] {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(data.toString('binary')), password ?? '');
  const certBag = forge.pki.oids.certBag as string;
  const bags: forge.pkcs12.Bag[] = p12.getBags({ bagType: certBag })[certBag] ?? [];
  return bags.map(bagCertificate);
}

function bagCertificate(bag: forge.pkcs12.Bag): string {
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as { asn1?: forge.asn1.Asn1 }).asn1;
  if (!asn1) throw new Error('a certificate bag holds no certificate');
  return derToPem(forge.asn1.toDer(asn1).getBytes());
}

/**
 * A PKCS12 keystore's private key and its certificate chain (the key's own certificate first), as PEM. Node's
 * pfx option would also add every other certificate in the file to the trusted ones, which Java never does
 * with a keystore: the truststore alone says whom to trust.
 */
function pkcs12KeyAndChain(data: Buffer, password: string): { key: string; cert: string } {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(data.toString('binary')), password);
  const oids = forge.pki.oids as Record<string, string>;
  const keyBags: forge.pkcs12.Bag[] = [
    ...(p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag! })[oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: oids.keyBag! })[oids.keyBag!] ?? []),
  ];
  const keyBag = keyBags[0];
  if (!keyBag) throw new Error('it holds no private key');
  const info = (keyBag as { asn1?: forge.asn1.Asn1 }).asn1;
  // forge decodes RSA keys; any other kind stays the PrivateKeyInfo it was stored as.
  const key = keyBag.key
    ? forge.pki.privateKeyToPem(keyBag.key as forge.pki.rsa.PrivateKey)
    : info
      ? forge.pki.privateKeyInfoToPem(info)
      : null;
  if (!key) throw new Error('its private key cannot be read');
  const id = keyBag.attributes.localKeyId?.[0];
  const certBags: forge.pkcs12.Bag[] = p12.getBags({ bagType: oids.certBag! })[oids.certBag!] ?? [];
  const leaf = certBags.find((b) => id !== undefined && b.attributes.localKeyId?.[0] === id) ?? certBags[0];
  if (!leaf) throw new Error('it holds no certificate for its private key');
  const chain = [leaf, ...certBags.filter((b) => b !== leaf)].map(bagCertificate);
  return { key, cert: chain.join('') };
}

function keystore(values: Values, problems: SslProblem[]): Pick<TlsSettings, 'pfx' | 'key' | 'cert' | 'passphrase'> {
  const storePassword = values.get('ssl.keystore.password');
  const keyPassword = values.get('ssl.key.password');
  const inlineKey = values.get('ssl.keystore.key');
  const inlineChain = values.get('ssl.keystore.certificate.chain');
  if (inlineKey !== undefined || inlineChain !== undefined) {
    if (!inlineKey || !inlineChain) {
      problem(
        problems,
        values,
        'ssl.keystore.key',
        `${values.name('ssl.keystore.key')} and ${values.name('ssl.keystore.certificate.chain')} go together`,
      );
      return {};
    }
    return { key: inlineKey, cert: inlineChain, ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}) };
  }
  const data = readFile(values, 'ssl.keystore.location', problems);
  if (!data) return {};
  const format = storeFormat(data, values.get('ssl.keystore.type') ?? 'JKS', values, 'keystore', problems);
  if (format === 'PEM') {
    const text = data.toString('utf8');
    return { key: text, cert: text, ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}) };
  }
  if (format === 'PKCS12') {
    // A PKCS12 file has one password for the store and its keys (Java's keytool refuses a different key password).
    if (keyPassword !== undefined && storePassword !== undefined && keyPassword !== storePassword) {
      problem(
        problems,
        values,
        'ssl.key.password',
        `a PKCS12 keystore's key is protected by ${values.name('ssl.keystore.password')}; leave ssl.key.password unset or equal to it`,
      );
      return {};
    }
    try {
      return pkcs12KeyAndChain(data, storePassword ?? keyPassword ?? '');
    } catch (e) {
      problem(
        problems,
        values,
        'ssl.keystore.location',
        `cannot load the key and certificate of ${values.get('ssl.keystore.location')} (wrong ${values.name('ssl.keystore.password')}?): ${(e as Error).message}`,
      );
    }
  }
  return {};
}

function truststore(values: Values, problems: SslProblem[]): string[] | undefined {
  const inline = values.get('ssl.truststore.certificates');
  if (inline !== undefined) return pemCertificates(inline);
  const data = readFile(values, 'ssl.truststore.location', problems);
  if (!data) return undefined;
  const format = storeFormat(data, values.get('ssl.truststore.type') ?? 'JKS', values, 'truststore', problems);
  if (format === 'PEM') {
    const certs = pemCertificates(data.toString('utf8'));
    if (certs.length === 0)
      problem(
        problems,
        values,
        'ssl.truststore.location',
        `no certificate in ${values.get('ssl.truststore.location')}`,
      );
    return certs;
  }
  if (format === 'PKCS12') {
    try {
      return pkcs12Certificates(data, values.get('ssl.truststore.password'));
    } catch (e) {
      problem(
        problems,
        values,
        'ssl.truststore.location',
        `cannot read ${values.get('ssl.truststore.location')} (wrong ${values.name('ssl.truststore.password')}?): ${(e as Error).message}`,
      );
    }
  }
  return undefined;
}

/** Kafka's names of cipher suites are IANA's; OpenSSL (Node) names TLS 1.2 suites its own way. */
function opensslCipher(name: string): string | null {
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  const upper = name.toUpperCase();
  if (known.has(upper)) return upper.startsWith('TLS_') ? name : upper;
  const m =
    /^TLS_(ECDHE_RSA|ECDHE_ECDSA|DHE_RSA|RSA)_WITH_(AES_128|AES_256|CHACHA20_POLY1305)(?:_(GCM|CBC))?_(SHA|SHA256|SHA384)$/.exec(
      upper,
    );
  if (!m) return null;
  const kx = m[1] === 'RSA' ? '' : `${m[1]!.replace('_', '-')}-`;
  const cipher = m[2] === 'CHACHA20_POLY1305' ? 'CHACHA20-POLY1305' : m[2]!.replace('_', '');
  const mode = m[3] === 'GCM' ? '-GCM' : '';
  const mac = m[2] === 'CHACHA20_POLY1305' ? '' : m[3] === 'GCM' ? `-${m[4]}` : m[4] === 'SHA' ? '-SHA' : `-${m[4]}`;
  const openssl = `${kx}${cipher}${mode}${mac}`;
  return known.has(openssl) ? openssl : null;
}

function algorithms(
  values: Values,
  problems: SslProblem[],
): Pick<TlsSettings, 'minVersion' | 'maxVersion' | 'secureOptions' | 'ciphers'> {
  const out: Pick<TlsSettings, 'minVersion' | 'maxVersion' | 'secureOptions' | 'ciphers'> = {};
  const protocols = list(values.get('ssl.enabled.protocols')) ?? ['TLSv1.2', 'TLSv1.3'];
  const bad = protocols.filter((p) => !(PROTOCOLS as readonly string[]).includes(p));
  if (bad.length > 0) {
    problem(
      problems,
      values,
      'ssl.enabled.protocols',
      `unknown protocol ${bad.join(', ')}; expected ${PROTOCOLS.join(', ')}`,
    );
  } else if (protocols.length > 0) {
    const idx = protocols.map((p) => PROTOCOLS.indexOf(p as Protocol)).sort();
    out.minVersion = PROTOCOLS[idx[0]!]!;
    out.maxVersion = PROTOCOLS[idx[idx.length - 1]!]!;
    // A list with a gap (TLSv1.1,TLSv1.3) turns off what lies between.
    let flags = 0;
    for (let i = idx[0]!; i <= idx[idx.length - 1]!; i++)
      if (!idx.includes(i)) flags |= NO_PROTOCOL_FLAG[PROTOCOLS[i]!];
    if (flags) out.secureOptions = flags;
  }
  const suites = list(values.get('ssl.cipher.suites'));
  if (suites && suites.length > 0) {
    const mapped = suites.map((s) => [s, opensslCipher(s)] as const);
    const unknown = mapped.filter(([, o]) => o === null).map(([s]) => s);
    if (unknown.length > 0)
      problem(problems, values, 'ssl.cipher.suites', `unknown cipher suite ${unknown.join(', ')}`);
    else out.ciphers = mapped.map(([, o]) => o).join(':');
  }
  return out;
}

/** The problems as one ConfigException: each on its key, and a message that names them all. */
function fail(problems: SslProblem[], what: string): never {
  const byKey: Record<string, string[]> = {};
  for (const p of problems) byKey[p.key] = [...(byKey[p.key] ?? []), p.message];
  throw new ConfigException(
    byKey,
    `Invalid ${what} TLS configuration: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`,
  );
}

/** Checks that the key, certificate and passwords load together, naming the keys when they do not. */
function checkLoads(s: TlsSettings, values: Values, problems: SslProblem[]): void {
  try {
    createSecureContext({ ...s });
  } catch (e) {
    const store = values.get('ssl.keystore.location') ?? values.name('ssl.keystore.key');
    problem(
      problems,
      values,
      values.get('ssl.keystore.location') !== undefined ? 'ssl.keystore.location' : 'ssl.keystore.key',
      `cannot load the key and certificate of ${store} (wrong ${values.name('ssl.keystore.password')} or ${values.name('ssl.key.password')}?): ${(e as Error).message}`,
    );
  }
}

/**
 * TLS for an https listener: its keystore (required), the truststore that client certificates are checked
 * against, protocols and cipher suites. `clientAuth` is read by the caller, as the worker (ssl.client.auth) and
 * the schema registry (ssl.client.authentication) name it differently; `problems` are the caller's, reported with these.
 */
export function listenerTlsSettings(
  values: SslValues,
  clientAuth: ServerTlsSettings['clientAuth'],
  opts: { what: string; problems?: SslProblem[] },
): ServerTlsSettings {
  const problems: SslProblem[] = [];
  const settings: TlsSettings = { ...keystore(values, problems) };
  if (problems.length === 0 && !settings.pfx && !settings.key) {
    problem(
      problems,
      values,
      'ssl.keystore.location',
      `an https listener needs a keystore: set ${values.name('ssl.keystore.location')} (PKCS12 or PEM) or ${values.name('ssl.keystore.key')} and ${values.name('ssl.keystore.certificate.chain')}`,
    );
  }
  const ca = truststore(values, problems);
  if (ca) settings.ca = ca;
  Object.assign(settings, algorithms(values, problems));
  problems.push(...(opts.problems ?? []));
  if (problems.length === 0) checkLoads(settings, values, problems);
  if (problems.length > 0) fail(problems, opts.what);
  return { ...settings, clientAuth };
}

/** TLS for an https listener from the worker props; prefix listeners.https. or admin.listeners.https. */
export function serverTlsSettings(
  props: Readonly<Record<string, string>>,
  prefix = 'listeners.https.',
): ServerTlsSettings {
  const values = sslValues(props, prefix);
  const problems: SslProblem[] = [];
  const clientAuth = (values.get('ssl.client.auth') ?? 'none').trim().toLowerCase();
  if (clientAuth !== 'none' && clientAuth !== 'requested' && clientAuth !== 'required') {
    problem(problems, values, 'ssl.client.auth', `${clientAuth} is not one of none, requested, required`);
  }
  return listenerTlsSettings(values, clientAuth as ServerTlsSettings['clientAuth'], { what: 'REST', problems });
}

/**
 * TLS for requests to an https server, as Kafka's client-side SslFactory: the truststore (Node's default CAs
 * when none is set), the keystore presented when the server asks for a client certificate, and
 * ssl.endpoint.identification.algorithm (https checks the host name; empty or none turns the check off).
 * `defaultAlgorithm` is the key's default where it is unset: https for Kafka's clients, none for Confluent's
 * registry forwarding (rest-utils' default is null).
 */
export function clientTlsFrom(
  values: SslValues,
  opts: { what: string; defaultAlgorithm?: 'https' | '' },
): ClientTlsSettings {
  const problems: SslProblem[] = [];
  const settings: TlsSettings = { ...keystore(values, problems) };
  const ca = truststore(values, problems);
  if (ca) settings.ca = ca;
  Object.assign(settings, algorithms(values, problems));
  const algorithm = (values.get('ssl.endpoint.identification.algorithm') ?? opts.defaultAlgorithm ?? 'https')
    .trim()
    .toLowerCase();
  if (algorithm !== 'https' && algorithm !== '' && algorithm !== 'none')
    problem(
      problems,
      values,
      'ssl.endpoint.identification.algorithm',
      `${algorithm} is not supported; use https (check the host name) or leave it empty (no check)`,
    );
  if (problems.length === 0 && (settings.pfx || settings.key)) checkLoads(settings, values, problems);
  if (problems.length > 0) fail(problems, opts.what);
  return { ...settings, verifyHostname: algorithm === 'https' };
}

/**
 * TLS for this worker's requests to other workers (forwarding to the leader), as SSLUtils'
 * createClientSideSslContextFactory: the listeners.https. keys or ssl.*, with the keystore for mTLS.
 */
export function clientTlsSettings(props: Readonly<Record<string, string>>): ClientTlsSettings {
  return clientTlsFrom(sslValues(props, 'listeners.https.'), { what: 'REST' });
}

/** Node's https options for a client with these settings (an Agent's or a request's). */
export function clientTlsOptions(tls: ClientTlsSettings): TlsSettings & { checkServerIdentity?: () => undefined } {
  const { verifyHostname, ...options } = tls;
  return { ...options, ...(verifyHostname ? {} : { checkServerIdentity: () => undefined }) };
}

/**
 * An https server with these settings. ssl.client.auth / ssl.client.authentication: required refuses a client
 * without a trusted certificate in the handshake; requested (Jetty's wantClientAuth) takes a client without one
 * but not one with a certificate the truststore does not vouch for.
 */
export function createTlsServer(
  tls: ServerTlsSettings,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): HttpsServer {
  const { clientAuth, ...options } = tls;
  const server = createHttpsServer(
    { ...options, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
    handler,
  );
  if (clientAuth === 'requested') {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) socket.destroy();
    });
  }
  return server;
}
