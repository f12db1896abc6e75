import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';

/** PEM file paths for a server: its certificate and key, and the CA that client certificates must chain to. */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle for client certificates; required when clientCertAuth is set. */
  trustedCaFile?: string;
  /** Mutual TLS: refuse clients without a certificate signed by trustedCaFile. */
  clientCertAuth?: boolean;
}

/** PEM file paths for a client: the CA to trust, and its own certificate for mutual TLS. */
export interface ClientTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export class TlsConfigError extends Error {}

export function serverCredentials(tls: ServerTlsFiles | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.clientCertAuth && !tls.trustedCaFile) {
    throw new TlsConfigError('client-cert-auth requires trusted-ca-file');
  }
  const ca = tls.trustedCaFile ? readFileSync(tls.trustedCaFile) : null;
  const pair = { cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) };
  return ServerCredentials.createSsl(ca, [pair], tls.clientCertAuth === true);
}

export function clientCredentials(tls: ClientTlsFiles | undefined): ChannelCredentials {
  if (!tls) return ChannelCredentials.createInsecure();
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new TlsConfigError('cert and key must be given together');
  }
  return ChannelCredentials.createSsl(
    tls.caFile ? readFileSync(tls.caFile) : null,
    tls.keyFile ? readFileSync(tls.keyFile) : null,
    tls.certFile ? readFileSync(tls.certFile) : null,
  );
}
