// update-server: the LevelDB model, the public HTTP listener (Omaha + payloads) and the admin API
// put together. The admin gRPC listener is started by the caller (see grpc/).
import { mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type Logger, type RunningServer, startServer } from '@coreos-ts/grpc-kit';
import { loadPublicKey } from '@coreos-ts/update-engine';
import { ServerCredentials } from '@grpc/grpc-js';
import { UpdateAdmin } from './admin/update-admin.js';
import { updateAdminService } from './grpc/update-admin-service.js';
import { createUpdateHttpServer, listenHttp, PACKAGES_PATH } from './http/update-http-server.js';
import { DEFAULT_APP_ID } from './model/entities.js';
import { UpdateStore } from './model/update-store.js';
import { OmahaHandler } from './omaha/omaha-handler.js';
import { type UpdateServerConfig, validateUpdateServerConfig } from './update-server-config.js';

export interface UpdateServerDeps {
  readonly logger: Logger;
  readonly nowMs?: () => number;
}

export class UpdateServer {
  private constructor(
    readonly store: UpdateStore,
    readonly admin: UpdateAdmin,
    private readonly http: Server,
    /** The bound public URL, e.g. http://127.0.0.1:34567 */
    readonly url: string,
    /** The admin gRPC listener, or null when admin-listen is ''. */
    readonly grpc: RunningServer | null,
  ) {}

  static async start(config: UpdateServerConfig, deps: UpdateServerDeps): Promise<UpdateServer> {
    const errors = validateUpdateServerConfig(config);
    if (errors.length > 0) throw new Error(`invalid update-server config: ${errors.join('; ')}`);
    const nowMs = deps.nowMs ?? Date.now;
    const payloadDir = join(config.dataDir, 'payloads');
    await mkdir(payloadDir, { recursive: true });
    const store = await UpdateStore.open(join(config.dataDir, 'db'), {
      maxInstances: config.maxInstances,
      maxEvents: config.maxEvents,
    });
    const publicKey = config.publicKeyPath === '' ? undefined : loadPublicKey(await readFile(config.publicKeyPath));
    const admin = new UpdateAdmin(store, {
      payloadDir,
      nowMs,
      maxPayloadBytes: config.maxPayloadBytes,
      ...(publicKey === undefined ? {} : { publicKey }),
    });
    await admin.ensureApplication(DEFAULT_APP_ID, 'Flatcar Container Linux');
    // the payload base URL is only known once bound; the handler reads it lazily
    let baseUrl = '';
    const omaha = new OmahaHandler(store, {
      get payloadBaseUrl() {
        return baseUrl;
      },
      nowMs,
    });
    const http = createUpdateHttpServer({ omaha, payloadDir, logger: deps.logger });
    const address = await listenHttp(http, config.listen);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = config.publicUrl !== '' ? config.publicUrl.replace(/\/$/, '') : `http://${host}:${address.port}`;
    baseUrl = `${url}${PACKAGES_PATH}`;
    const grpc =
      config.adminListen === ''
        ? null
        : await startServer({
            address: config.adminListen,
            credentials: ServerCredentials.createInsecure(),
            services: [updateAdminService(admin)],
            log: deps.logger,
          });
    deps.logger.info({ url, dataDir: config.dataDir, adminPort: grpc?.port ?? null }, 'update-server listening');
    return new UpdateServer(store, admin, http, url, grpc);
  }

  get omahaUrl(): string {
    return `${this.url}/v1/update/`;
  }

  async close(): Promise<void> {
    await this.grpc?.stop();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    await this.store.close();
  }
}
