import assert from 'node:assert/strict';

/**
 * A log-linear latency histogram in microseconds (the idea of HdrHistogram, about 1.6% precision):
 * values below 64 µs are exact, above that each power of two is split into 64 linear sub-buckets.
 * Bounded memory, mergeable across worker processes, serialisable as sparse [index, count] pairs.
 */
const SUB_BUCKET_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** 2^40 µs is about 12 days: any larger latency is a bug in the caller. */
const MAX_EXPONENT = 40;
const BUCKET_COUNT = SUB_BUCKETS + (MAX_EXPONENT - SUB_BUCKET_BITS + 1) * SUB_BUCKETS;

export interface HistogramSnapshot {
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  buckets: [number, number][];
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function bucketOf(valueUs: number): number {
  const v = Math.max(0, Math.floor(valueUs));
  if (v < SUB_BUCKETS) return v;
  const exponent = Math.floor(Math.log2(v));
  assert.ok(exponent <= MAX_EXPONENT, `latency ${valueUs} µs is out of range`);
  const sub = Math.floor(v / 2 ** (exponent - SUB_BUCKET_BITS)) - SUB_BUCKETS;
  return SUB_BUCKETS + (exponent - SUB_BUCKET_BITS) * SUB_BUCKETS + sub;
}

/** The middle of a bucket's range (the exact value below 64 µs). */
function bucketMiddle(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const exponent = Math.floor((bucket - SUB_BUCKETS) / SUB_BUCKETS) + SUB_BUCKET_BITS;
  const sub = (bucket - SUB_BUCKETS) % SUB_BUCKETS;
  const width = 2 ** (exponent - SUB_BUCKET_BITS);
  return (SUB_BUCKETS + sub) * width + width / 2;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private count = 0;
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  record(valueUs: number): void {
    const bucket = bucketOf(valueUs);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.count++;
    this.sumUs += valueUs;
    if (valueUs < this.minUs) this.minUs = valueUs;
    if (valueUs > this.maxUs) this.maxUs = valueUs;
  }

  get total(): number {
    return this.count;
  }

  merge(snapshot: HistogramSnapshot): void {
    for (const [bucket, n] of snapshot.buckets) {
      assert.ok(bucket >= 0 && bucket < BUCKET_COUNT, `bucket ${bucket} out of range`);
      this.counts[bucket] = (this.counts[bucket] ?? 0) + n;
    }
    this.count += snapshot.count;
    this.sumUs += snapshot.sumUs;
    if (snapshot.count > 0) {
      this.minUs = Math.min(this.minUs, snapshot.minUs);
      this.maxUs = Math.max(this.maxUs, snapshot.maxUs);
    }
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    this.counts.forEach((n, bucket) => {
      if (n > 0) buckets.push([bucket, n]);
    });
    const minUs = this.count > 0 ? this.minUs : 0;
    return { count: this.count, sumUs: this.sumUs, minUs, maxUs: this.maxUs, buckets };
  }

  /** The value at quantile q (0..1), clamped to the exact min and max. */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
      seen += this.counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, bucketMiddle(bucket)));
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    const ms = (us: number) => us / 1000;
    return {
      count: this.count,
      meanMs: this.count > 0 ? ms(this.sumUs / this.count) : 0,
      p50Ms: ms(this.quantileUs(0.5)),
      p90Ms: ms(this.quantileUs(0.9)),
      p99Ms: ms(this.quantileUs(0.99)),
      maxMs: ms(this.maxUs),
    };
  }
}
