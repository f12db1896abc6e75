// update-server's typed config, validated once with messages naming the flag.
export interface UpdateServerConfig {
  /** Public HTTP listener (Omaha + payloads), host:port. */
  readonly listen: string;
  readonly dataDir: string;
  /** Admin gRPC listener, host:port; '' disables it. */
  readonly adminListen: string;
  /** Base URL clients reach the HTTP listener at; default http://<listen address>. */
  readonly publicUrl: string;
  readonly maxPayloadBytes: number;
  readonly maxInstances: number;
  readonly maxEvents: number;
  /** Optional Ed25519 public key (PEM path) uploaded payloads must verify against. */
  readonly publicKeyPath: string;
}

export function defaultUpdateServerConfig(): UpdateServerConfig {
  return {
    listen: '127.0.0.1:8080',
    dataDir: 'update-server.data',
    adminListen: '127.0.0.1:8081',
    publicUrl: '',
    maxPayloadBytes: 8 * 1024 * 1024 * 1024,
    maxInstances: 100_000,
    maxEvents: 1_000_000,
    publicKeyPath: '',
  };
}

export function validateUpdateServerConfig(c: UpdateServerConfig): string[] {
  const errors: string[] = [];
  const hostPort = /^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/;
  if (!hostPort.test(c.listen)) errors.push(`listen (${JSON.stringify(c.listen)}) must be host:port`);
  if (c.adminListen !== '' && !hostPort.test(c.adminListen)) {
    errors.push(`admin-listen (${JSON.stringify(c.adminListen)}) must be host:port`);
  }
  if (c.dataDir === '') errors.push('data-dir must not be empty');
  if (c.publicUrl !== '' && !/^https?:\/\//.test(c.publicUrl)) {
    errors.push(`public-url (${JSON.stringify(c.publicUrl)}) must be an http(s) URL`);
  }
  if (!(c.maxPayloadBytes > 0)) errors.push(`max-payload-bytes (${c.maxPayloadBytes}) must be positive`);
  if (!(c.maxInstances > 0)) errors.push(`max-instances (${c.maxInstances}) must be positive`);
  if (!(c.maxEvents > 0)) errors.push(`max-events (${c.maxEvents}) must be positive`);
  return errors;
}
