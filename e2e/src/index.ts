// @coreos-ts/e2e: the `cluster` harness as a library (whole clusters on one host, their machines,
// faults and awaitable events) for the end-to-end scenario tests.
export { BINARIES, type BinaryName, binaryBuilt, binaryPath, CLUSTER_CLI } from './binaries.js';
export { Cluster, type PublishResult } from './cluster.js';
export { CLUSTER_JSON, type ClusterInfo, type MachineInfo, readClusterInfo } from './cluster-info.js';
export type { ClusterOptions } from './cluster-options.js';
export {
  type ClusterStatus,
  type ComponentStatus,
  type InstanceStatusView,
  type MachineStatus,
  SEMAPHORE_KEY,
  type SlotStatus,
} from './cluster-status.js';
export { controlRequest, MACHINE_ACTIONS, type MachineAction } from './control-server.js';
export { type BootRecord, Machine, type MachineState } from './machine.js';
export {
  COMPONENT_NAMES,
  type ComponentName,
  type MachineConfig,
  type MachineEndpoints,
  type MachinePorts,
} from './machine-config.js';
export type { UnitsLost } from './machine-units.js';
export { type ExitInfo, ManagedProcess, type ProcessState } from './managed-process.js';
export {
  type MachineNetwork,
  NETNS_MACHINE_PORTS,
  type NetworkPlan,
  netnsUnsupportedReason,
  requireNetnsSupport,
} from './netns.js';
export { completePartition, type PartitionGroups, parsePartition } from './partition.js';
export { awaitStream, UpdateAdminRpc, UpdateEngineRpc } from './rpc.js';
export { formatStatus } from './status-table.js';
export { startTestCluster, type TestCluster, type TestClusterOptions } from './test-cluster.js';
export { UPDATE_CHANNEL, UPDATE_GROUP, UPDATE_TRACK } from './update-server-process.js';
export { usrImage, usrPayload } from './usr-image.js';
