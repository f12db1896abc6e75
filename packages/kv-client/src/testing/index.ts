// Test helpers for packages that need a real etcd v3 API cluster (etcd, or kvd with the same flags).

export { type ClusterBackend, etcdBackend } from './backends.js';
export { makeTestCertificates, type TestCertificates } from './certificates.js';
export {
  type ClusterMember,
  type ClusterOptions,
  type ClusterTls,
  type RunningCluster,
  startCluster,
} from './cluster.js';
