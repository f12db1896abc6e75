import type { Logger } from '@coreos-ts/grpc-kit';
import { authpb, etcdserverpb } from '@coreos-ts/proto';
import { type Bytes, rangeEndFor, toBuffer } from './bytes.js';
import type { CallOptions, CallRunner, TokenSource } from './call-runner.js';
import type { ClientAuth } from './config.js';
import { AuthNotEnabledError } from './errors.js';
import { type Header, toHeader } from './kv-types.js';

const A = etcdserverpb.AuthService;

/**
 * The auth token for every call: fetched with Authenticate on first use, shared by concurrent
 * callers, and fetched again when a server calls it invalid.
 */
export class PasswordTokens implements TokenSource {
  private current: Promise<string> | undefined;
  private currentValue: string | undefined;

  constructor(
    private readonly runner: CallRunner,
    private readonly credentials: ClientAuth,
    private readonly log: Logger,
  ) {}

  async token(): Promise<string | undefined> {
    try {
      return await this.fetch();
    } catch (err) {
      // credentials given but the cluster runs without auth: carry on anonymously
      if (err instanceof AuthNotEnabledError) return undefined;
      throw err;
    }
  }

  private fetch(): Promise<string> {
    if (!this.current) {
      const attempt = this.runner
        .unary(
          A.authenticate,
          { name: this.credentials.user, password: this.credentials.password },
          { mutating: false, anonymous: true },
        )
        .then((response) => {
          if (this.current === attempt) this.currentValue = response.token;
          this.log.debug({ user: this.credentials.user }, 'authenticated');
          return response.token;
        });
      attempt.catch(() => {
        if (this.current === attempt) this.current = undefined;
      });
      this.current = attempt;
      this.currentValue = undefined;
    }
    return this.current;
  }

  /** Drops the token a server refused, unless a newer one is already in use or on its way. */
  invalidate(stale: string): void {
    if (this.currentValue !== stale) return;
    this.log.info({ user: this.credentials.user }, 'auth token rejected; re-authenticating');
    this.current = undefined;
    this.currentValue = undefined;
  }
}

export type PermissionType = 'read' | 'write' | 'readwrite';
const PERM: Record<PermissionType, authpb.Permission_Type> = {
  read: authpb.Permission_Type.READ,
  write: authpb.Permission_Type.WRITE,
  readwrite: authpb.Permission_Type.READWRITE,
};

/** The administrative subset of the Auth service (enough to set up users, roles and permissions). */
export class AuthApi {
  constructor(private readonly runner: CallRunner) {}

  async authenticate(user: string, password: string, options: CallOptions = {}): Promise<string> {
    const r = await this.runner.unary(
      A.authenticate,
      { name: user, password },
      { ...options, mutating: false, anonymous: true },
    );
    return r.token;
  }

  async enable(options: CallOptions = {}): Promise<Header> {
    return toHeader((await this.runner.unary(A.authEnable, {}, { ...options, mutating: true })).header);
  }

  async disable(options: CallOptions = {}): Promise<Header> {
    return toHeader((await this.runner.unary(A.authDisable, {}, { ...options, mutating: true })).header);
  }

  async userAdd(name: string, password: string, options: CallOptions = {}): Promise<Header> {
    const request = etcdserverpb.AuthUserAddRequest.fromPartial({ name, password, options: { noPassword: false } });
    return toHeader((await this.runner.unary(A.userAdd, request, { ...options, mutating: true })).header);
  }

  async roleAdd(name: string, options: CallOptions = {}): Promise<Header> {
    return toHeader((await this.runner.unary(A.roleAdd, { name }, { ...options, mutating: true })).header);
  }

  async userGrantRole(user: string, role: string, options: CallOptions = {}): Promise<Header> {
    return toHeader((await this.runner.unary(A.userGrantRole, { user, role }, { ...options, mutating: true })).header);
  }

  async roleGrantPermission(
    role: string,
    permission: { type: PermissionType; key: Bytes; prefix?: boolean; fromKey?: boolean },
    options: CallOptions = {},
  ): Promise<Header> {
    const key = toBuffer(permission.key);
    const perm: authpb.Permission = { permType: PERM[permission.type], key, rangeEnd: rangeEndFor(key, permission) };
    return toHeader(
      (await this.runner.unary(A.roleGrantPermission, { name: role, perm }, { ...options, mutating: true })).header,
    );
  }
}
