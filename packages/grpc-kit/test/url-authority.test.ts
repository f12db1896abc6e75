import http2 from 'node:http2';
import { healthpb } from '@coreos-ts/proto';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serverCredentials, silentLogger, startServer } from '../src/index.js';
import { repairAuthority } from '../src/url-authority.js';

/** One gRPC unary call made by hand over HTTP/2, with the :authority a Go client would send. */
function healthCheckWithAuthority(port: number, authority: string): Promise<{ grpcStatus: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      ':authority': authority,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let grpcStatus: string | undefined;
    req.on('trailers', (t) => {
      grpcStatus = t['grpc-status'] as string | undefined;
    });
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = h['grpc-status'] as string;
    });
    req.on('error', reject);
    req.on('end', () => {
      session.close();
      resolve({ grpcStatus });
    });
    req.resume();
    // an empty HealthCheckRequest: not compressed, length 0
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

describe('a listener accepting URL authorities (Go clients dialing http://host:port)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      address: '127.0.0.1:0',
      credentials: serverCredentials(undefined),
      log: silentLogger,
      services: [],
      acceptUrlAuthority: true,
    });
  });
  afterAll(async () => {
    await server.stop(100);
  });

  it('answers a request whose :authority is a URL, which Node alone refuses', async () => {
    const r = await healthCheckWithAuthority(server.port, `http://127.0.0.1:${server.port}`);
    expect(r.grpcStatus).toBe('0');
  });

  it('answers ordinary clients on the same listener, several calls on one connection', async () => {
    const client = new healthpb.HealthClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    try {
      for (let i = 0; i < 3; i++) {
        const res = await new Promise<healthpb.HealthCheckResponse>((resolve, reject) =>
          client.check({ service: '' }, (err, r) => (err || !r ? reject(err) : resolve(r))),
        );
        expect(res.status).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
      }
    } finally {
      client.close();
    }
  });

  it('repairs an authority to host:port', () => {
    expect(repairAuthority('http://127.0.0.1:2379')).toBe('127.0.0.1:2379');
    expect(repairAuthority('https://etcd.example:2379/x')).toBe('etcd.example:2379');
    expect(repairAuthority('127.0.0.1:2379')).toBe('127.0.0.1:2379');
  });
});
