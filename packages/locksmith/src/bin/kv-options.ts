import { readFileSync } from 'node:fs';
import { envOption, type Logger, parseList } from '@coreos-ts/grpc-kit';
import { type ClientOptions, KvClient } from '@coreos-ts/kv-client';
import type { Command } from 'commander';

/** The kv flags locksmithctl and locksmithd share (locksmith's names, env prefix per binary). */
export interface KvFlags {
  endpoint?: string[];
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  etcdUsername?: string;
  etcdPassword?: string;
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:2379';

const collectEndpoints = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...parseList(value),
];

export function addKvOptions(program: Command, prefix: string): Command {
  return program
    .addOption(
      envOption(
        prefix,
        '--endpoint <urls>',
        `kv (etcd v3) endpoints, comma-separated or repeated (default ${DEFAULT_ENDPOINT})`,
      ).argParser(collectEndpoints),
    )
    .addOption(envOption(prefix, '--etcd-cafile <path>', 'CA bundle (PEM) to verify the kv members with'))
    .addOption(envOption(prefix, '--etcd-certfile <path>', 'client certificate (PEM) for mutual TLS'))
    .addOption(envOption(prefix, '--etcd-keyfile <path>', 'client key (PEM) for mutual TLS'))
    .addOption(envOption(prefix, '--etcd-username <name>', 'kv user name (auth)'))
    .addOption(envOption(prefix, '--etcd-password <password>', 'kv password (auth)'));
}

/** A KvClient for the flags; TLS when any TLS file is given or an endpoint is https://. */
export function kvClientFrom(flags: KvFlags, log?: Logger): KvClient {
  const endpoints = flags.endpoint && flags.endpoint.length > 0 ? flags.endpoint : [DEFAULT_ENDPOINT];
  const tlsGiven = flags.etcdCafile ?? flags.etcdCertfile ?? flags.etcdKeyfile;
  const options: ClientOptions = { endpoints };
  if (tlsGiven !== undefined) {
    options.tls = {
      ...(flags.etcdCafile ? { caFile: flags.etcdCafile } : {}),
      ...(flags.etcdCertfile ? { certFile: flags.etcdCertfile } : {}),
      ...(flags.etcdKeyfile ? { keyFile: flags.etcdKeyfile } : {}),
    };
  }
  if (flags.etcdUsername !== undefined) options.auth = { user: flags.etcdUsername, password: flags.etcdPassword ?? '' };
  if (log) options.logger = log;
  return new KvClient(options);
}

/** This machine's id, as locksmith reads it: the first line of /etc/machine-id. */
export function readMachineId(path = '/etc/machine-id'): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read the machine id from ${path}: ${(err as Error).message}`);
  }
}
