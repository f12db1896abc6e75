/** A server implementation the shared suites run against: a binary taking etcd's flags. */
export interface ClusterBackend {
  name: string;
  binary: string;
  args?: string[];
  /** Its snapshots are bbolt databases that `etcdctl snapshot status` reads (etcd's are). */
  bboltSnapshots?: boolean;
}

/** The reference: etcd 3.4 from Debian (`apt-get install etcd-server etcd-client`). */
export const etcdBackend: ClusterBackend = { name: 'etcd', binary: 'etcd', bboltSnapshots: true };
