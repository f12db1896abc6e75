import { etcdserverpb, healthpb } from '@coreos-ts/proto';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clientCredentials,
  createMetrics,
  DomainError,
  type Logger,
  type RunningServer,
  serverCredentials,
  startHttpEndpoint,
  startServer,
  unary,
} from '../src/index.js';
import { makeTestPki } from './certs.js';

function recordingLogger(): Logger & { errors: object[] } {
  const errors: object[] = [];
  const log = {
    errors,
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (fields: object) => errors.push(fields),
    child: () => log,
  };
  return log;
}

const kvImplementation: Partial<etcdserverpb.KVServer> = {
  range: unary(async (request: etcdserverpb.RangeRequest) => {
    if (request.key.length === 0) throw new DomainError('invalid-argument', 'etcdserver: key is not provided');
    return etcdserverpb.RangeResponse.fromPartial({ count: 1n, kvs: [{ key: request.key, value: Buffer.from('v') }] });
  }),
  put: unary(async () => {
    throw new Error('secret internal detail');
  }),
};

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop(100);
  server = undefined;
});

async function start(log: Logger, creds = serverCredentials(undefined), metrics = createMetrics()) {
  server = await startServer({
    address: '127.0.0.1:0',
    credentials: creds,
    log,
    metrics,
    services: [
      {
        name: 'etcdserverpb.KV',
        definition: etcdserverpb.KVService,
        implementation: kvImplementation as etcdserverpb.KVServer,
      },
    ],
  });
  return server;
}

function call<T>(fn: (cb: (err: ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
}

describe('grpc-kit server', () => {
  it('serves grpc.health.v1 to a real grpc-js client', async () => {
    const s = await start(recordingLogger());
    const client = new healthpb.HealthClient(`127.0.0.1:${s.port}`, credentials.createInsecure());
    const overall = await call<healthpb.HealthCheckResponse>((cb) => client.check({ service: '' }, cb));
    expect(overall.status).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
    const kv = await call<healthpb.HealthCheckResponse>((cb) => client.check({ service: 'etcdserverpb.KV' }, cb));
    expect(kv.status).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
    await expect(call((cb) => client.check({ service: 'nope' }, cb))).rejects.toMatchObject({ code: status.NOT_FOUND });

    // Watch sees the change to NOT_SERVING when the server stops.
    const stream = client.watch({ service: 'etcdserverpb.KV' });
    const seen: number[] = [];
    const notServing = new Promise<void>((resolve) => {
      stream.on('data', (m: healthpb.HealthCheckResponse) => {
        seen.push(m.status);
        if (m.status === healthpb.HealthCheckResponse_ServingStatus.NOT_SERVING) resolve();
      });
      stream.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    const stopping = s.stop(1000);
    await notServing;
    await stopping;
    server = undefined;
    expect(seen[0]).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
    client.close();
  });

  it('maps a domain error to its code and message, and a bug to UNKNOWN without its stack', async () => {
    const log = recordingLogger();
    const s = await start(log);
    const client = new etcdserverpb.KVClient(`127.0.0.1:${s.port}`, credentials.createInsecure());
    const ok = await call<etcdserverpb.RangeResponse>((cb) =>
      client.range(etcdserverpb.RangeRequest.fromPartial({ key: Buffer.from('a') }), cb),
    );
    expect(ok.kvs[0]?.value.toString()).toBe('v');
    await expect(call((cb) => client.range(etcdserverpb.RangeRequest.fromPartial({}), cb))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'etcdserver: key is not provided',
    });
    const bug = await call((cb) =>
      client.put(etcdserverpb.PutRequest.fromPartial({ key: Buffer.from('k') }), cb),
    ).catch((e: ServiceError) => e);
    expect(bug).toMatchObject({ code: status.UNKNOWN, details: 'internal error' });
    expect(JSON.stringify(bug)).not.toContain('secret internal detail');
    expect(JSON.stringify(log.errors)).toContain('secret internal detail');
    // a method the implementation lacks is UNIMPLEMENTED
    await expect(
      call((cb) => client.compact(etcdserverpb.CompactionRequest.fromPartial({}), cb)),
    ).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
    client.close();
  });

  it('counts requests in /metrics', async () => {
    const metrics = createMetrics();
    const s = await start(recordingLogger(), serverCredentials(undefined), metrics);
    const http = await startHttpEndpoint({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      health: () => true,
    });
    const client = new etcdserverpb.KVClient(`127.0.0.1:${s.port}`, credentials.createInsecure());
    const read = async () => (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    const count = (text: string) =>
      Number(/grpc_server_handled_total\{method="\/etcdserverpb.KV\/Range",code="OK"\} (\d+)/.exec(text)?.[1] ?? 0);
    const before = count(await read());
    await call((cb) => client.range(etcdserverpb.RangeRequest.fromPartial({ key: Buffer.from('x') }), cb));
    await call((cb) => client.range(etcdserverpb.RangeRequest.fromPartial({ key: Buffer.from('y') }), cb));
    expect(count(await read()) - before).toBe(2);
    const health = await fetch(`http://127.0.0.1:${http.port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ health: 'true' });
    client.close();
    await http.close();
  });

  describe('TLS', () => {
    const pki = makeTestPki();

    it('serves TLS to a client trusting the CA', async () => {
      const s = await start(recordingLogger(), serverCredentials({ certFile: pki.serverCert, keyFile: pki.serverKey }));
      const client = new healthpb.HealthClient(`127.0.0.1:${s.port}`, clientCredentials({ caFile: pki.caCert }));
      const res = await call<healthpb.HealthCheckResponse>((cb) => client.check({ service: '' }, cb));
      expect(res.status).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
      client.close();
      const plain = new healthpb.HealthClient(`127.0.0.1:${s.port}`, credentials.createInsecure());
      await expect(
        call((cb) => plain.check({ service: '' }, { deadline: Date.now() + 2000 }, cb)),
      ).rejects.toMatchObject({ code: status.UNAVAILABLE });
      plain.close();
    });

    it('with mutual TLS, refuses a client without a certificate and serves one with it', async () => {
      const s = await start(
        recordingLogger(),
        serverCredentials({
          certFile: pki.serverCert,
          keyFile: pki.serverKey,
          trustedCaFile: pki.caCert,
          clientCertAuth: true,
        }),
      );
      const anonymous = new healthpb.HealthClient(`127.0.0.1:${s.port}`, clientCredentials({ caFile: pki.caCert }));
      await expect(
        call((cb) => anonymous.check({ service: '' }, { deadline: Date.now() + 2000 }, cb)),
      ).rejects.toMatchObject({ code: status.UNAVAILABLE });
      anonymous.close();
      const withCert = new healthpb.HealthClient(
        `127.0.0.1:${s.port}`,
        clientCredentials({ caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey }),
      );
      const res = await call<healthpb.HealthCheckResponse>((cb) => withCert.check({ service: '' }, cb));
      expect(res.status).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
      withCert.close();
    });
  });
});
