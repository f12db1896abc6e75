import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKvError } from '../../src/errors.js';
import type { LeaseRecord, LeaseSink } from '../../src/lease/lease-persist.js';
import { Lessor } from '../../src/lease/lessor.js';
import { defaultLessorConfig } from '../../src/lease/lessor-config.js';

const sink: LeaseSink = { putLease: (_r: LeaseRecord) => {}, deleteLease: (_id: bigint) => {} };
const retryMs = 3000;
const config = { ...defaultLessorConfig(), minLeaseTtlSeconds: 1, maxLeaseTtlSeconds: 100, expiredRetryMs: retryMs };

type Op =
  | { t: 'tick'; ms: number }
  | { t: 'grant'; id: number; ttl: number }
  | { t: 'revoke'; id: number }
  | { t: 'renew'; id: number }
  | { t: 'expired' }
  | { t: 'promote'; extendMs: number }
  | { t: 'demote' };

const idArb = fc.integer({ min: 1, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 4000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('grant' as const), id: idArb, ttl: fc.integer({ min: 0, max: 8 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('revoke' as const), id: idArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('renew' as const), id: idArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('expired' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('promote' as const), extendMs: fc.integer({ min: 0, max: 2000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('demote' as const) }) },
);

/** The naive model: a map id -> { ttl, expiry } and a primary flag. */
class Model {
  primary = false;
  readonly leases = new Map<number, { ttl: number; expiry: number }>();
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (isKvError(err)) return err.code;
    throw err;
  }
}

describe('Lessor expiry against a naive model', () => {
  it('hands out exactly the leases whose time is up, only on the primary', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80, size: 'max' }), (ops) => {
        const lessor = new Lessor(sink, [], config);
        const model = new Model();
        let now = 0;
        for (const op of ops) {
          switch (op.t) {
            case 'tick':
              now += op.ms;
              break;
            case 'grant': {
              const code = codeOf(() => lessor.grant(BigInt(op.id), BigInt(op.ttl), now));
              expect(code).toBe(model.leases.has(op.id) ? 'LeaseExist' : undefined);
              if (code === undefined) {
                const ttl = Math.max(op.ttl, 1);
                model.leases.set(op.id, { ttl, expiry: model.primary ? now + ttl * 1000 : Infinity });
              }
              break;
            }
            case 'revoke':
              expect(codeOf(() => lessor.revoke(BigInt(op.id)))).toBe(
                model.leases.has(op.id) ? undefined : 'LeaseNotFound',
              );
              model.leases.delete(op.id);
              break;
            case 'renew': {
              const lease = model.leases.get(op.id);
              const want = !model.primary
                ? 'NotPrimary'
                : lease === undefined || lease.expiry <= now
                  ? 'LeaseNotFound'
                  : undefined;
              expect(codeOf(() => lessor.renew(BigInt(op.id), now))).toBe(want);
              if (want === undefined && lease !== undefined) lease.expiry = now + lease.ttl * 1000;
              break;
            }
            case 'expired': {
              const got = lessor.expired(now, 100).map(Number).sort();
              const want = [...model.leases.entries()].filter(([, l]) => l.expiry <= now).map(([id]) => id);
              expect(got).toEqual(model.primary ? want.sort() : []);
              for (const id of got) (model.leases.get(id) as { expiry: number }).expiry = now + retryMs;
              break;
            }
            case 'promote':
              model.primary = true;
              for (const l of model.leases.values()) l.expiry = now + op.extendMs + l.ttl * 1000;
              lessor.promote(now, op.extendMs);
              break;
            case 'demote':
              model.primary = false;
              for (const l of model.leases.values()) l.expiry = Infinity;
              lessor.demote();
              break;
          }
          expect(lessor.leases()).toEqual([...model.leases.keys()].sort().map(BigInt));
        }
      }),
      { numRuns: 300 },
    );
  });
});
