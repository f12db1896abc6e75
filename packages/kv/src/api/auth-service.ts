import { unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { Metadata } from '@grpc/grpc-js';
import { hashPassword } from '../auth/password.js';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

/**
 * etcdserverpb.Auth. Changes go through raft; passwords are hashed here, on the member that
 * received them, so only hashes reach the log. Reads are linearizable, as etcd's (they go
 * through a ReadIndex round first). Everything but Authenticate, AuthStatus and a
 * user changing their own password needs root once auth is on.
 */
export function authService(server: EtcdServer): etcdserverpb.AuthServer {
  const root = (md: Metadata) => server.requireRoot(md);
  const change = <Req>(fn: (req: Req) => Promise<Omit<Parameters<EtcdServer['authChange']>[0], never>>) =>
    unary(
      mapErrors(async (req: Req, call: { metadata: Metadata }) => {
        root(call.metadata);
        return { header: await server.authChange(await fn(req)) };
      }),
    );
  const auth = () => server.authState();
  return {
    authenticate: unary(
      mapErrors(async (req: etcdserverpb.AuthenticateRequest) => ({
        header: server.header(),
        token: await server.authenticate(req.name, req.password),
      })),
    ),
    authStatus: unary(
      mapErrors(async () => {
        await server.linearizableBarrier();
        return { header: server.header(), enabled: auth().isEnabled(), authRevision: 0n };
      }),
    ),
    authEnable: change(async (req: etcdserverpb.AuthEnableRequest) => ({ authEnable: req })),
    authDisable: change(async (req: etcdserverpb.AuthDisableRequest) => ({ authDisable: req })),
    userAdd: change(async (req: etcdserverpb.AuthUserAddRequest) => ({
      authUserAdd: {
        ...req,
        password: '',
        hashedPassword: req.options?.noPassword ? '' : await hashPassword(req.password),
      },
    })),
    userDelete: change(async (req: etcdserverpb.AuthUserDeleteRequest) => ({ authUserDelete: req })),
    userChangePassword: unary(
      mapErrors(async (req: etcdserverpb.AuthUserChangePasswordRequest, call: { metadata: Metadata }) => {
        const user = server.caller(call.metadata);
        if (user !== req.name) root(call.metadata);
        const hashedPassword = await hashPassword(req.password);
        return {
          header: await server.authChange({ authUserChangePassword: { ...req, password: '', hashedPassword } }),
        };
      }),
    ),
    userGrantRole: change(async (req: etcdserverpb.AuthUserGrantRoleRequest) => ({ authUserGrantRole: req })),
    userRevokeRole: change(async (req: etcdserverpb.AuthUserRevokeRoleRequest) => ({ authUserRevokeRole: req })),
    roleAdd: change(async (req: etcdserverpb.AuthRoleAddRequest) => ({ authRoleAdd: req })),
    roleDelete: change(async (req: etcdserverpb.AuthRoleDeleteRequest) => ({ authRoleDelete: req })),
    roleGrantPermission: change(async (req: etcdserverpb.AuthRoleGrantPermissionRequest) => ({
      authRoleGrantPermission: req,
    })),
    roleRevokePermission: change(async (req: etcdserverpb.AuthRoleRevokePermissionRequest) => ({
      authRoleRevokePermission: req,
    })),
    userGet: unary(
      mapErrors(async (req: etcdserverpb.AuthUserGetRequest, call: { metadata: Metadata }) => {
        if (server.caller(call.metadata) !== req.name) root(call.metadata);
        await server.linearizableBarrier();
        return { header: server.header(), roles: auth().userRoles(req.name) };
      }),
    ),
    userList: unary(
      mapErrors(async (_req: etcdserverpb.AuthUserListRequest, call: { metadata: Metadata }) => {
        root(call.metadata);
        await server.linearizableBarrier();
        return { header: server.header(), users: auth().userNames() };
      }),
    ),
    roleGet: unary(
      mapErrors(async (req: etcdserverpb.AuthRoleGetRequest, call: { metadata: Metadata }) => {
        root(call.metadata);
        await server.linearizableBarrier();
        return { header: server.header(), perm: auth().rolePerms(req.role) };
      }),
    ),
    roleList: unary(
      mapErrors(async (_req: etcdserverpb.AuthRoleListRequest, call: { metadata: Metadata }) => {
        root(call.metadata);
        await server.linearizableBarrier();
        return { header: server.header(), roles: auth().roleNames() };
      }),
    ),
  } as etcdserverpb.AuthServer;
}
