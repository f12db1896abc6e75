// A small Omaha server for the engine's own tests, with fault injection: 5xx, malformed XML,
// wrong hash or size, and a download cut short on the first request.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeOmahaRequest, type OmahaRequest } from '../omaha/omaha-request.js';
import { encodeOmahaResponse } from '../omaha/omaha-response.js';

export interface FakeOffer {
  readonly version: string;
  readonly payload: Buffer;
  /** Overrides of what the response announces. */
  readonly sha256Base64?: string;
  readonly sizeBytes?: number;
}

export class FakeOmahaServer {
  readonly requests: OmahaRequest[] = [];
  readonly downloads: Array<{ range: string | undefined }> = [];
  readonly received = new EventEmitter<{ request: [OmahaRequest] }>();
  offer: FakeOffer | null = null;
  /** Respond to update checks with this HTTP status (e.g. 503), or 'malformed' XML. */
  checkFault: number | 'malformed' | null = null;
  /** Cut the next N payload responses after this many bytes. */
  truncateNext = 0;
  truncateAtBytes = 0;
  /** While set, update checks wait for it before being answered. */
  checkGate: Promise<void> | null = null;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (req.method === 'POST' && path.startsWith('/v1/update')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const request = decodeOmahaRequest(Buffer.concat(chunks).toString('utf8'));
          this.requests.push(request);
          this.received.emit('request', request);
          const app = request.apps[0]!;
          if (app.updateCheck && this.checkGate !== null) await this.checkGate;
          if (app.updateCheck && typeof this.checkFault === 'number') {
            res.writeHead(this.checkFault).end();
            return;
          }
          if (app.updateCheck && this.checkFault === 'malformed') {
            res
              .writeHead(200, { 'content-type': 'text/xml' })
              .end('<response protocol="3.0"><app appid="x"><updatecheck status="ok"></app>');
            return;
          }
          const offer = this.offer;
          const wantsUpdate = app.updateCheck && offer !== null && offer.version !== app.version;
          const body = encodeOmahaResponse({
            server: 'fake',
            apps: [
              {
                appId: app.appId,
                status: 'ok',
                ping: app.ping,
                eventCount: app.events.length,
                ...(app.updateCheck
                  ? {
                      updateCheck: wantsUpdate
                        ? {
                            status: 'ok',
                            urls: [`${this.url}/payloads/`],
                            manifest: {
                              version: offer.version,
                              packages: [
                                { name: 'update.payload', sizeBytes: offer.sizeBytes ?? offer.payload.length },
                              ],
                              actions: [
                                {
                                  event: 'postinstall',
                                  sha256:
                                    offer.sha256Base64 ?? createHash('sha256').update(offer.payload).digest('base64'),
                                },
                              ],
                            },
                          }
                        : { status: 'noupdate', urls: [] },
                    }
                  : {}),
              },
            ],
          });
          res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
        });
        return;
      }
      if (req.method === 'GET' && path === '/payloads/update.payload' && this.offer !== null) {
        const payload = this.offer.payload;
        const range = req.headers.range;
        this.downloads.push({ range });
        let start = 0;
        const m = /^bytes=(\d+)-$/.exec(range ?? '');
        if (m !== null) {
          start = Number(m[1]);
          if (start >= payload.length) {
            res.writeHead(416, { 'content-range': `bytes */${payload.length}` }).end();
            return;
          }
          res.writeHead(206, {
            'content-length': payload.length - start,
            'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}`,
          });
        } else {
          res.writeHead(200, { 'content-length': payload.length });
        }
        if (this.truncateNext > 0) {
          this.truncateNext--;
          res.write(payload.subarray(start, start + this.truncateAtBytes), () => res.destroy());
          return;
        }
        res.end(payload.subarray(start));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  get omahaUrl(): string {
    return `${this.url}/v1/update/`;
  }

  /** Events the server heard, flattened. */
  events(): Array<{ type: number; result: number; errorCode?: number; previousVersion?: string }> {
    return this.requests.flatMap((r) => r.apps.flatMap((a) => a.events));
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
