export interface MvccConfig {
  /** Most operations (compares, or ops in one branch) a txn may carry; etcd's --max-txn-ops. */
  readonly maxTxnOps: number;
  /** Compacted revisions physically deleted per flush (etcd deletes 1000 per batch). */
  readonly compactionBatchMax: number;
}

export function defaultMvccConfig(): MvccConfig {
  return { maxTxnOps: 128, compactionBatchMax: 1000 };
}

export function validateMvccConfig(config: MvccConfig): MvccConfig {
  if (!Number.isInteger(config.maxTxnOps) || config.maxTxnOps < 1) {
    throw new Error(`max-txn-ops (${config.maxTxnOps}) must be a positive integer`);
  }
  if (!Number.isInteger(config.compactionBatchMax) || config.compactionBatchMax < 1) {
    throw new Error(`compactionBatchMax (${config.compactionBatchMax}) must be a positive integer`);
  }
  return config;
}

/** What the store needs from the lessor: the lease of a put must exist, keys follow leases. */
export interface LeaseAttachments {
  exists(id: bigint): boolean;
  attach(id: bigint, key: Buffer): void;
  detach(id: bigint, key: Buffer): void;
}
