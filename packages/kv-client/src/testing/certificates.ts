import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '@coreos-ts/grpc-kit/testing';

export interface TestCertificates {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from a CA nobody trusts. */
  strangerCertFile: string;
  strangerKeyFile: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function issue(dir: string, name: string, caCert: string, caKey: string, subject: string, ext: string): void {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-sha256',
    '-extfile',
    extFile,
  ]);
}

function authority(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  return { cert, key };
}

/** A throw-away CA with a server certificate for 127.0.0.1/localhost and client certificates, made with openssl. */
export function makeTestCertificates(dir: string): TestCertificates {
  requireTool('openssl', 'apt-get install openssl');
  const ca = authority(dir, 'ca');
  const stranger = authority(dir, 'stranger-ca');
  issue(
    dir,
    'server',
    ca.cert,
    ca.key,
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  issue(dir, 'client', ca.cert, ca.key, '/CN=root', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'stranger', stranger.cert, stranger.key, '/CN=stranger', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: ca.cert,
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    strangerCertFile: join(dir, 'stranger.crt'),
    strangerKeyFile: join(dir, 'stranger.key'),
  };
}
