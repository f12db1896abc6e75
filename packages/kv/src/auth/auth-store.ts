import { authpb, type etcdserverpb, type kvpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { type Backend, bucketKey, bucketRange } from '../mvcc/backend.js';
import type { WriteBuffer } from '../mvcc/write-buffer.js';
import { type Access, permits } from './permissions.js';

const AUTH_BUCKET = 0x55; // 'U'
const ROOT = 'root';

interface User {
  name: string;
  /** scrypt hash; empty for a user added with no_password */
  password: string;
  roles: string[];
}

interface Stored {
  enabled: boolean;
  users: User[];
  roles: { name: string; perms: { permType: number; key: string; rangeEnd: string }[] }[];
}

/**
 * Users, roles, permissions and the auth switch: replicated state changed only by applied
 * entries (persisted in the apply batch), plus the tokens Authenticate handed out (kept in
 * memory with their expiry, as etcd's simple tokens are).
 */
export class AuthStore {
  private enabled = false;
  private users = new Map<string, User>();
  private roles = new Map<string, authpb.Permission[]>();
  private readonly tokens = new Map<string, { user: string; expiresAtMs: number }>();
  private buffer: WriteBuffer | undefined;

  constructor(private readonly tokenTtlMs: number) {}

  async load(buffer: WriteBuffer, backend: Backend): Promise<void> {
    this.buffer = buffer;
    this.enabled = false;
    this.users.clear();
    this.roles.clear();
    for await (const [, value] of backend.entries(bucketRange(AUTH_BUCKET))) {
      const s = JSON.parse(value.toString()) as Stored;
      this.enabled = s.enabled;
      for (const u of s.users) this.users.set(u.name, u);
      for (const r of s.roles) {
        this.roles.set(
          r.name,
          r.perms.map((p) =>
            authpb.Permission.fromPartial({
              permType: p.permType,
              key: Buffer.from(p.key, 'base64'),
              rangeEnd: Buffer.from(p.rangeEnd, 'base64'),
            }),
          ),
        );
      }
    }
  }

  private persist(): void {
    const s: Stored = {
      enabled: this.enabled,
      users: [...this.users.values()],
      roles: [...this.roles].map(([name, perms]) => ({
        name,
        perms: perms.map((p) => ({
          permType: p.permType,
          key: p.key.toString('base64'),
          rangeEnd: p.rangeEnd.toString('base64'),
        })),
      })),
    };
    this.buffer?.put(bucketKey(AUTH_BUCKET, Buffer.from('state')), Buffer.from(JSON.stringify(s)));
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  passwordHash(name: string): string | undefined {
    return this.users.get(name)?.password;
  }

  userNames(): string[] {
    return [...this.users.keys()].sort();
  }

  roleNames(): string[] {
    return [...this.roles.keys()].sort();
  }

  userRoles(name: string): string[] {
    const u = this.users.get(name);
    if (!u) throw new KvError('UserNotFound');
    return [...u.roles];
  }

  rolePerms(name: string): authpb.Permission[] {
    const r = this.roles.get(name);
    if (!r) throw new KvError('RoleNotFound');
    return r;
  }

  /**
   * The user a token stands for; InvalidAuthToken when unknown or expired. As etcd's simple
   * tokens, each use renews it: the TTL counts idle time.
   */
  userOfToken(token: string, nowMs: number): string {
    const t = this.tokens.get(token);
    if (!t || t.expiresAtMs <= nowMs) {
      this.tokens.delete(token);
      throw new KvError('InvalidAuthToken');
    }
    t.expiresAtMs = nowMs + this.tokenTtlMs;
    return t.user;
  }

  isRoot(user: string): boolean {
    return this.users.get(user)?.roles.includes(ROOT) === true;
  }

  /** Throws PermissionDenied unless `user` may `access` [key, rangeEnd). */
  check(user: string, access: Access, key: Buffer, rangeEnd: Buffer): void {
    if (this.isRoot(user)) return;
    const perms = (this.users.get(user)?.roles ?? []).flatMap((r) => this.roles.get(r) ?? []);
    if (!permits(perms, access, key, rangeEnd)) throw new KvError('PermissionDenied');
  }

  /** Applies one auth entry (deterministic: only the token expiry reads the clock). */
  apply(request: kvpb.InternalRequest, nowMs: number): void {
    const r = request as unknown as {
      authEnable?: etcdserverpb.AuthEnableRequest;
      authDisable?: etcdserverpb.AuthDisableRequest;
      authUserAdd?: etcdserverpb.AuthUserAddRequest;
      authUserDelete?: etcdserverpb.AuthUserDeleteRequest;
      authUserChangePassword?: etcdserverpb.AuthUserChangePasswordRequest;
      authUserGrantRole?: etcdserverpb.AuthUserGrantRoleRequest;
      authUserRevokeRole?: etcdserverpb.AuthUserRevokeRoleRequest;
      authRoleAdd?: etcdserverpb.AuthRoleAddRequest;
      authRoleDelete?: etcdserverpb.AuthRoleDeleteRequest;
      authRoleGrantPermission?: etcdserverpb.AuthRoleGrantPermissionRequest;
      authRoleRevokePermission?: etcdserverpb.AuthRoleRevokePermissionRequest;
      authenticate?: { name: string; token: string };
    };
    if (r.authenticate) {
      this.tokens.set(r.authenticate.token, { user: r.authenticate.name, expiresAtMs: nowMs + this.tokenTtlMs });
      return;
    }
    if (r.authEnable) {
      const root = this.users.get(ROOT);
      if (!root) throw new KvError('RootUserNotExist');
      if (!root.roles.includes(ROOT)) throw new KvError('RootRoleNotExist');
      this.enabled = true;
    } else if (r.authDisable) {
      this.enabled = false;
      this.tokens.clear();
    } else if (r.authUserAdd) {
      const { name, hashedPassword } = r.authUserAdd;
      if (name === '') throw new KvError('UserEmpty');
      if (this.users.has(name)) throw new KvError('UserAlreadyExist');
      this.users.set(name, { name, password: hashedPassword, roles: [] });
    } else if (r.authUserDelete) {
      const { name } = r.authUserDelete;
      if (this.enabled && name === ROOT) throw new KvError('InvalidAuthMgmt');
      if (!this.users.delete(name)) throw new KvError('UserNotFound');
    } else if (r.authUserChangePassword) {
      const u = this.users.get(r.authUserChangePassword.name);
      if (!u) throw new KvError('UserNotFound');
      u.password = r.authUserChangePassword.hashedPassword;
    } else if (r.authUserGrantRole) {
      const u = this.users.get(r.authUserGrantRole.user);
      if (!u) throw new KvError('UserNotFound');
      const role = r.authUserGrantRole.role;
      if (role !== ROOT && !this.roles.has(role)) throw new KvError('RoleNotFound');
      if (!u.roles.includes(role)) u.roles = [...u.roles, role].sort();
    } else if (r.authUserRevokeRole) {
      const u = this.users.get(r.authUserRevokeRole.name);
      if (!u) throw new KvError('UserNotFound');
      const role = r.authUserRevokeRole.role;
      if (this.enabled && u.name === ROOT && role === ROOT) throw new KvError('InvalidAuthMgmt');
      if (!u.roles.includes(role)) throw new KvError('RoleNotGranted');
      u.roles = u.roles.filter((x) => x !== role);
    } else if (r.authRoleAdd) {
      const { name } = r.authRoleAdd;
      if (name === '') throw new KvError('RoleNotFound');
      if (this.roles.has(name)) throw new KvError('RoleAlreadyExist');
      this.roles.set(name, []);
    } else if (r.authRoleDelete) {
      const { role } = r.authRoleDelete;
      if (this.enabled && role === ROOT) throw new KvError('InvalidAuthMgmt');
      if (!this.roles.delete(role)) throw new KvError('RoleNotFound');
      for (const u of this.users.values()) u.roles = u.roles.filter((x) => x !== role);
    } else if (r.authRoleGrantPermission) {
      const perms = this.roles.get(r.authRoleGrantPermission.name);
      const perm = r.authRoleGrantPermission.perm;
      if (!perms) throw new KvError('RoleNotFound');
      if (perm) {
        const same = perms.findIndex((p) => p.key.equals(perm.key) && p.rangeEnd.equals(perm.rangeEnd));
        if (same >= 0) perms[same] = perm;
        else perms.push(perm);
      }
    } else if (r.authRoleRevokePermission) {
      const { role, key, rangeEnd } = r.authRoleRevokePermission;
      const perms = this.roles.get(role);
      if (!perms) throw new KvError('RoleNotFound');
      const at = perms.findIndex((p) => p.key.equals(key) && p.rangeEnd.equals(rangeEnd));
      if (at < 0) throw new KvError('PermissionNotGranted');
      perms.splice(at, 1);
    } else {
      return;
    }
    this.persist();
  }
}
