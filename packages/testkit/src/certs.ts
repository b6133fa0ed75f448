// Test certificates made with openssl (and keytool for a real JKS file): a CA, a server and client certificate, a stranger's CA.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  caPem: string;
  /** Server certificate for localhost and 127.0.0.1, signed by the CA. */
  serverKeystoreP12: string;
  serverKeystorePassword: string;
  /** The server's key and certificate chain in one PEM file (ssl.keystore.type=PEM). */
  serverPem: string;
  /** The same with the key encrypted under serverKeyPassword (ssl.key.password). */
  serverEncryptedPem: string;
  serverKeyPassword: string;
  /** The server's key and chain as PEM text (ssl.keystore.key, ssl.keystore.certificate.chain). */
  serverKey: string;
  serverChain: string;
  /** The CA alone, as a PKCS12 truststore and as a PEM file. */
  truststoreP12: string;
  truststorePassword: string;
  /** The CA as a PKCS12 truststore written by keytool (Java reads only such trusted-certificate entries). */
  truststoreP12Keytool: string;
  truststorePem: string;
  /** A client certificate signed by the CA (key and cert PEM) and as a PKCS12 keystore. */
  clientKey: string;
  clientCert: string;
  clientKeystoreP12: string;
  /** A client certificate of another CA. */
  strangerKey: string;
  strangerCert: string;
  /** A real JKS keystore (keytool -storetype JKS), which Node cannot read. */
  jksKeystore: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function signed(dir: string, name: string, ca: string, subject: string, ext: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Makes every file in dir; takes a second or two (RSA keys). */
export function makeTestCerts(dir: string): TestCerts {
  mkdirSync(dir, { recursive: true });
  for (const ca of ['ca', 'stranger-ca']) {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=Tributary test ${ca}`,
    ]);
  }
  signed(
    dir,
    'server',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  signed(dir, 'client', 'ca', '/CN=client', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'stranger', 'stranger-ca', '/CN=stranger', 'extendedKeyUsage=clientAuth\n');
  const serverKeystorePassword = 'keystore-secret';
  const truststorePassword = 'truststore-secret';
  openssl(dir, [
    'pkcs12',
    '-export',
    '-in',
    'server.pem',
    '-inkey',
    'server.key',
    '-certfile',
    'ca.pem',
    '-name',
    'server',
    '-out',
    'server.p12',
    '-passout',
    `pass:${serverKeystorePassword}`,
  ]);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-in',
    'client.pem',
    '-inkey',
    'client.key',
    '-name',
    'client',
    '-out',
    'client.p12',
    '-passout',
    `pass:${serverKeystorePassword}`,
  ]);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    'ca.pem',
    '-out',
    'truststore.p12',
    '-passout',
    `pass:${truststorePassword}`,
  ]);
  const p = (f: string): string => path.join(dir, f);
  writeFileSync(
    p('server-bundle.pem'),
    readFileSync(p('server.key'), 'utf8') + readFileSync(p('server.pem'), 'utf8') + readFileSync(p('ca.pem'), 'utf8'),
  );
  execFileSync(
    'keytool',
    [
      '-importkeystore',
      '-srckeystore',
      p('server.p12'),
      '-srcstoretype',
      'PKCS12',
      '-srcstorepass',
      serverKeystorePassword,
      '-destkeystore',
      p('server.jks'),
      '-deststoretype',
      'JKS',
      '-deststorepass',
      serverKeystorePassword,
      '-noprompt',
    ],
    { stdio: 'pipe' },
  );
  const jksKeystore = p('server.jks');
  execFileSync(
    'keytool',
    [
      '-importcert',
      '-noprompt',
      '-alias',
      'ca',
      '-file',
      p('ca.pem'),
      '-keystore',
      p('truststore-keytool.p12'),
      '-storetype',
      'PKCS12',
      '-storepass',
      truststorePassword,
    ],
    { stdio: 'pipe' },
  );
  const serverKeyPassword = 'key-secret';
  openssl(dir, [
    'pkcs8',
    '-topk8',
    '-in',
    'server.key',
    '-out',
    'server-enc.key',
    '-passout',
    `pass:${serverKeyPassword}`,
  ]);
  writeFileSync(
    p('server-enc-bundle.pem'),
    readFileSync(p('server-enc.key'), 'utf8') +
      readFileSync(p('server.pem'), 'utf8') +
      readFileSync(p('ca.pem'), 'utf8'),
  );
  return {
    dir,
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    serverKeystoreP12: p('server.p12'),
    serverKeystorePassword,
    serverPem: p('server-bundle.pem'),
    serverEncryptedPem: p('server-enc-bundle.pem'),
    serverKeyPassword,
    serverKey: readFileSync(p('server.key'), 'utf8'),
    serverChain: readFileSync(p('server.pem'), 'utf8') + readFileSync(p('ca.pem'), 'utf8'),
    truststoreP12: p('truststore.p12'),
    truststorePassword,
    truststorePem: p('ca.pem'),
    truststoreP12Keytool: p('truststore-keytool.p12'),
    clientKey: readFileSync(p('client.key'), 'utf8'),
    clientCert: readFileSync(p('client.pem'), 'utf8'),
    clientKeystoreP12: p('client.p12'),
    strangerKey: readFileSync(p('stranger.key'), 'utf8'),
    strangerCert: readFileSync(p('stranger.pem'), 'utf8'),
    jksKeystore,
  };
}
