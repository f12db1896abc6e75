import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clientCredentials,
  createMetrics,
  type HttpEndpoint,
  type Logger,
  type RunningServer,
  serverCredentials,
  startHttpEndpoint,
  startServer,
} from '@coreos-ts/grpc-kit';
import { etcdserverpb, kvpb, v3electionpb, v3lockpb } from '@coreos-ts/proto';
import { defaultConfig, MemoryStorage, RawNode, type Snapshot } from '@coreos-ts/raft';
import { authService } from '../api/auth-service.js';
import { clusterService } from '../api/cluster-service.js';
import { kvService } from '../api/kv-service.js';
import { leaseService } from '../api/lease-service.js';
import { maintenanceService } from '../api/maintenance-service.js';
import { watchServiceDefinition } from '../api/watch-response-bytes.js';
import { watchService } from '../api/watch-service.js';
import { AuthStore } from '../auth/auth-store.js';
import { ConfigError, effectiveQuotaBytes, type KvdConfig, type TlsFiles } from '../config.js';
import { KvError } from '../errors.js';
import { computeClusterId, computeMemberId } from '../member-id.js';
import { LevelBackend } from '../mvcc/level-backend.js';
import { electionService } from '../recipes/election-service.js';
import { hubNextEvent } from '../recipes/key-waits.js';
import { lockService } from '../recipes/lock-service.js';
import { defaultSnapshotterConfig, Snapshotter, snapDirOf } from '../snap/index.js';
import { fetchClusterInfo, Transport } from '../transport/transport.js';
import { createFileWal, defaultFileWalConfig, openFileWal, type Wal, walDirOf, walExists } from '../wal/index.js';
import { AppliedWaiter } from './applied-waiter.js';
import { EntryApplier } from './applier.js';
import { startAutoCompactor } from './auto-compactor.js';
import { dirSize, publishAttributes, startBackgroundWork } from './background.js';
import { checkClusterIdentity } from './cluster-identity.js';
import { EtcdServer } from './etcd-server.js';
import { createLeaseKeeper } from './lease-keeper-impl.js';
import { RaftNode } from './raft-node.js';
import { ReadIndexBatcher } from './read-index-batcher.js';
import { StateMachine } from './state-machine.js';
import { WaitRegistry } from './wait-registry.js';

/** A running member: its servers, and how to stop it. */
export interface Kvd {
  readonly server: EtcdServer;
  readonly clientPorts: number[];
  readonly peerPorts: number[];
  stop(): Promise<void>;
}

const PENDING_PROPOSALS_MAX = 100_000;
const GRPC_OVERHEAD_BYTES = 512 * 1024;

function hostPort(url: URL): string {
  return `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port}`;
}

/** Server credentials for a listener: TLS for an https URL. */
function listenerCredentials(url: URL, tls: TlsFiles) {
  if (url.protocol !== 'https:' || tls.certFile === undefined || tls.keyFile === undefined) {
    return serverCredentials(undefined);
  }
  return serverCredentials({
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    ...(tls.trustedCaFile !== undefined ? { trustedCaFile: tls.trustedCaFile } : {}),
    clientCertAuth: tls.clientCertAuth,
  });
}

/** Credentials to dial other members with: TLS (and this member's certificate) when configured. */
function dialCredentials(tls: TlsFiles) {
  if (tls.certFile === undefined && tls.trustedCaFile === undefined) return clientCredentials(undefined);
  return clientCredentials({
    ...(tls.trustedCaFile !== undefined ? { caFile: tls.trustedCaFile } : {}),
    ...(tls.certFile !== undefined && tls.keyFile !== undefined
      ? { certFile: tls.certFile, keyFile: tls.keyFile }
      : {}),
  });
}

/** Opens (or creates) the member's data dir, joins the cluster and serves clients and peers. */
export interface KvdOptions {
  /** Called once this member applied its own removal from the cluster (the binary then exits). */
  onRemoved?: () => void;
}

export async function startKvd(config: KvdConfig, log: Logger, options: KvdOptions = {}): Promise<Kvd> {
  const memberDir = join(config.dataDir, 'member');
  const dbDir = join(memberDir, 'db');
  await mkdir(memberDir, { recursive: true });
  const walConfig = defaultFileWalConfig(walDirOf(config.dataDir), log);
  const snapshotter = new Snapshotter(defaultSnapshotterConfig(snapDirOf(config.dataDir), log));
  const storage = new MemoryStorage();
  const restarting = await walExists(walConfig.dir);
  const peerDial = dialCredentials(config.peerTls);
  const clientDial = dialCredentials(config.clientTls);
  // The WAL makes applied entries durable: the backend's batches need no fsync of their own, and
  // it is synced before a snapshot lets the WAL drop the entries it covers.
  const backend = await LevelBackend.open(dbDir, { syncWrites: false });

  let wal: Wal;
  let clusterId: bigint;
  let memberId: bigint;
  let appliedFloor = 0;
  let bootstrapPeers: { id: bigint; context: Uint8Array }[] | undefined;
  let joinPeers: { id: bigint; urls: string[] }[] = [];
  if (restarting) {
    const snap = await snapshotter.loadNewest();
    const opened = await openFileWal(
      walConfig,
      snap ? { snapshot: { index: snap.metadata.index, term: snap.metadata.term } } : {},
    );
    wal = opened.wal;
    ({ clusterId, memberId } = opened.replay.metadata);
    await checkClusterIdentity(backend, clusterId, config.dataDir);
    if (snap) {
      storage.applySnapshot({ data: new Uint8Array(0), metadata: snap.metadata });
      appliedFloor = snap.metadata.index;
    }
    storage.setHardState(opened.replay.hardState);
    storage.append(opened.replay.entries);
    log.info(
      { cluster: clusterId.toString(16), member: memberId.toString(16), snapshot: appliedFloor },
      'restarting member',
    );
  } else {
    if (config.initialClusterState === 'existing') {
      // joining a running cluster: its members say who we are (added before with member add)
      const others = [...config.initialCluster].filter(([name]) => name !== config.name).flatMap(([, urls]) => urls);
      const info = await fetchClusterInfo(others, peerDial, 2000);
      const mine = [...config.initialAdvertisePeerUrls].sort().join(',');
      const me = info.members.find((m) => [...m.peerUrls].sort().join(',') === mine);
      if (!me) {
        throw new ConfigError(
          `--initial-cluster-state existing: no member of cluster ${info.clusterId.toString(16)} has peer URLs ${mine}; add this member first (member add)`,
        );
      }
      clusterId = info.clusterId;
      memberId = me.id;
      joinPeers = info.members.map((m) => ({ id: m.id, urls: m.peerUrls }));
      await checkClusterIdentity(backend, clusterId, config.dataDir, { fresh: true });
      wal = await createFileWal(walConfig, { clusterId, memberId });
      log.info({ cluster: clusterId.toString(16), member: memberId.toString(16) }, 'joining an existing cluster');
    } else {
      const members = [...config.initialCluster].map(([name, urls]) => ({
        id: computeMemberId(urls, config.initialClusterToken),
        name,
        urls,
      }));
      memberId = computeMemberId(config.initialAdvertisePeerUrls, config.initialClusterToken);
      clusterId = computeClusterId(members.map((m) => m.id));
      await checkClusterIdentity(backend, clusterId, config.dataDir, { fresh: true });
      wal = await createFileWal(walConfig, { clusterId, memberId });
      bootstrapPeers = members.map((m) => ({
        id: m.id,
        context: kvpb.MemberInfo.encode(
          kvpb.MemberInfo.fromPartial({ id: m.id, name: m.name, peerUrls: m.urls }),
        ).finish(),
      }));
      log.info({ cluster: clusterId.toString(16), member: memberId.toString(16) }, 'starting a new member');
    }
  }

  const electionTick = Math.max(2, Math.round(config.electionTimeoutMs / config.heartbeatIntervalMs));
  const raftConfig = {
    ...defaultConfig(memberId, () => randomBytes(4).readUInt32BE(0) / 2 ** 32),
    electionTick,
    heartbeatTick: 1,
    applied: appliedFloor,
    checkQuorum: true,
    preVote: true,
    logger: log,
  };
  const rawNode = new RawNode(raftConfig, storage);
  if (bootstrapPeers) rawNode.bootstrap(bootstrapPeers);

  const leases = createLeaseKeeper({
    memberId,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    electionTicks: electionTick,
  });
  const state = await StateMachine.open({
    backend,
    memberId,
    maxTxnOps: config.maxTxnOps,
    quotaBytes: effectiveQuotaBytes(config),
    log,
    leases,
    auth: new AuthStore(config.authTokenTtlSeconds * 1000),
  });
  const applied = new AppliedWaiter();
  applied.advance(Number(state.store().consistentIndex()));
  const waits = new WaitRegistry<object>(PENDING_PROPOSALS_MAX, 7000 + 2 * config.electionTimeoutMs);
  const confChangeWaits = new WaitRegistry<object>(1024, 7000 + 2 * config.electionTimeoutMs);

  // this member's removal is learnt by applying it, or from a peer refusing its messages
  let removedReported = false;
  const removed = () => {
    if (removedReported) return;
    removedReported = true;
    log.warn({ member: memberId.toString(16) }, 'this member was removed from the cluster; stopping');
    options.onRemoved?.();
  };

  // raft and the state machine need each other; `node` is set right below.
  let node!: RaftNode;
  const transport = new Transport({
    clusterId,
    localId: memberId,
    credentials: peerDial,
    log,
    onMessage: (m) => node.step(m),
    onUnreachable: (id) => node.with((n) => n.reportUnreachable(id)),
    onSnapshotStatus: (id, ok) => node.with((n) => n.reportSnapshot(id, ok)),
    snapshotData: () => state.dump(),
    isRemoved: (id) => state.membership().isRemoved(id),
    onRemoved: () => removed(),
    clusterInfo: () => ({
      clusterId,
      members: state
        .membership()
        .list()
        .map((m) => ({
          id: m.ID,
          name: m.name,
          peerUrls: m.peerURLs,
          clientUrls: m.clientURLs,
          isLearner: m.isLearner,
        })),
    }),
  });
  for (const peer of joinPeers) transport.setPeer(peer.id, peer.urls);
  let lastSnapshotIndex = appliedFloor;
  const applier = new EntryApplier({
    store: () => state.store(),
    waits,
    log,
    applyRequest: (request) => state.apply(request),
    applyConfChangeToRaft: (cc) => rawNode.applyConfChange(cc),
    applyMembership: (cc, member) => {
      if (member) {
        state.membership().set(member);
        transport.setPeer(member.id, member.peerUrls);
      } else {
        state.membership().remove(cc.nodeId);
        transport.removePeer(cc.nodeId);
      }
      confChangeWaits.trigger(cc.nodeId, {});
      if (!member && cc.nodeId === memberId) removed();
    },
    installSnapshot: async (snapshot: Snapshot) => {
      await state.install(Buffer.from(snapshot.data));
      for (const m of state.membership().ids()) {
        const info = state.membership().get(m);
        if (info) transport.setPeer(info.id, info.peerUrls);
      }
      applied.advance(snapshot.metadata.index);
      lastSnapshotIndex = snapshot.metadata.index;
      await snapshotter.save({ metadata: snapshot.metadata, data: new Uint8Array(0) });
      log.info({ index: snapshot.metadata.index, bytes: snapshot.data.byteLength }, 'installed snapshot from leader');
    },
    afterRound: () => {},
    appliedInMemory: (index) => applied.advance(index),
  });
  for (const id of state.membership().ids()) {
    const info = state.membership().get(id);
    if (info) transport.setPeer(info.id, info.peerUrls);
  }

  const reads = new ReadIndexBatcher({
    requestReadIndex: (ctx) => {
      try {
        node.with((n) => n.readIndex(ctx));
      } catch {
        // no leader yet: the batcher asks again
      }
    },
    applied,
    retryMs: Math.max(50, config.heartbeatIntervalMs * 2),
    timeoutMs: 5000 + 2 * config.electionTimeoutMs,
    readersMax: 100_000,
  });
  let server!: EtcdServer;
  node = new RaftNode({
    node: rawNode,
    storage,
    wal,
    transport,
    applier,
    log,
    tickMs: config.heartbeatIntervalMs,
    slowSyncWarnMs: 1000,
    onSoftState: (s) => server.onSoftState(s),
    onReadStates: (states) => {
      for (const rs of states) reads.onReadState(rs.index, rs.requestCtx);
    },
    onApplied: async (index) => {
      applied.advance(index);
      if (index - lastSnapshotIndex < config.snapshotCount) return;
      const confState = rawNode.status().config;
      await state.store().flush();
      await backend.sync();
      storage.createSnapshot(index, confState, new Uint8Array(0));
      await snapshotter.save({ metadata: storage.snapshot().metadata, data: new Uint8Array(0) });
      await wal.saveSnapshotMarker({ index, term: storage.snapshot().metadata.term });
      const compactTo = index - config.snapshotCatchUpEntries;
      if (compactTo > storage.firstIndex()) storage.compact(compactTo);
      await wal.releaseTo(index);
      log.info({ index }, 'saved snapshot');
      lastSnapshotIndex = index;
    },
  });
  server = new EtcdServer({
    config,
    clientCredentials: clientDial,
    confChangeWaits,
    clusterId,
    memberId,
    raft: node,
    state,
    waits,
    reads,
    applied,
    log,
    dbSizeBytes: () => dirSize(dbDir),
  });

  const metrics = createMetrics({ processMetrics: true });
  const peerServers: RunningServer[] = [];
  for (const url of config.listenPeerUrls) {
    peerServers.push(
      await startServer({
        address: hostPort(url),
        credentials: listenerCredentials(url, config.peerTls),
        log: log.child({ listener: 'peer' }),
        services: [transport.service()],
        channelOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.enable_channelz': 0 },
      }),
    );
  }
  node.start();

  const recipes = { server, nextEvent: hubNextEvent(() => state.watchHub()) };
  const clientServices = [
    { name: 'v3lockpb.Lock', definition: v3lockpb.LockService, implementation: lockService(recipes) },
    {
      name: 'v3electionpb.Election',
      definition: v3electionpb.ElectionService,
      implementation: electionService(recipes),
    },
    { name: 'etcdserverpb.KV', definition: etcdserverpb.KVService, implementation: kvService(server) },
    { name: 'etcdserverpb.Auth', definition: etcdserverpb.AuthService, implementation: authService(server) },
    {
      name: 'etcdserverpb.Watch',
      definition: watchServiceDefinition,
      implementation: watchService(server, () => state.watchHub()),
    },
    { name: 'etcdserverpb.Lease', definition: etcdserverpb.LeaseService, implementation: leaseService(server) },
    { name: 'etcdserverpb.Cluster', definition: etcdserverpb.ClusterService, implementation: clusterService(server) },
    {
      name: 'etcdserverpb.Maintenance',
      definition: etcdserverpb.MaintenanceService,
      implementation: maintenanceService(server),
    },
  ];
  const httpEndpoints: HttpEndpoint[] = [];
  for (const url of config.listenMetricsUrls) {
    httpEndpoints.push(
      await startHttpEndpoint({
        host: url.hostname,
        port: Number(url.port),
        registry: metrics.registry,
        health: () => server.leader() !== 0n && !node.failure(),
      }),
    );
  }
  const timers = startBackgroundWork({ server, state, node, log, dbDir });
  if (config.autoCompaction) {
    timers.push(
      startAutoCompactor({
        policy: config.autoCompaction,
        server,
        isLeader: () => node.isLeader(),
        currentRevision: () => state.store().currentRevision(),
        compactedRevision: () => state.store().compactRevision(),
        log,
      }),
    );
  }
  await publishAttributes(server, config, log);

  const clientServers: RunningServer[] = [];
  for (const url of config.listenClientUrls) {
    clientServers.push(
      await startServer({
        address: hostPort(url),
        credentials: listenerCredentials(url, config.clientTls),
        log: log.child({ listener: 'client' }),
        metrics,
        services: clientServices as never,
        acceptUrlAuthority: true,
        channelOptions: {
          'grpc.max_receive_message_length': config.maxRequestBytes + GRPC_OVERHEAD_BYTES,
          'grpc.max_send_message_length': 2 ** 31 - 1,
          // channelz's per-call bookkeeping costs on every request, and nothing here reads it
          'grpc.enable_channelz': 0,
        },
      }),
    );
  }
  log.info({ clientUrls: config.listenClientUrls.map(String), peerUrls: config.listenPeerUrls.map(String) }, 'serving');
  return {
    server,
    clientPorts: clientServers.map((s) => s.port),
    peerPorts: peerServers.map((s) => s.port),
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all(clientServers.map((s) => s.stop(500)));
      server.close();
      await node.stop();
      transport.stop();
      await Promise.all(peerServers.map((s) => s.stop(200)));
      await Promise.all(httpEndpoints.map((h) => h.close()));
      waits.failAll(new KvError('Timeout'));
      reads.failAll(new KvError('Timeout'));
      await state.store().flush();
      await wal.close();
      await backend.close();
    },
  };
}
