import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfChangeTransition,
  ConfChangeType,
  decodeConfChange,
  decodeConfChangeV2,
  encodeConfChange,
  encodeConfChangeV2,
  enterJoint,
  isRaftError,
  leaveJoint,
} from '../src/index.js';

const id = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const type = fc.constantFrom(
  ConfChangeType.AddNode,
  ConfChangeType.RemoveNode,
  ConfChangeType.UpdateNode,
  ConfChangeType.AddLearnerNode,
);
const ctx = fc.uint8Array({ maxLength: 32 });

describe('conf change encoding', () => {
  it('round-trips ConfChange', () => {
    fc.assert(
      fc.property(type, id, ctx, (t, nodeId, context) => {
        expect(decodeConfChange(encodeConfChange({ type: t, nodeId, context }))).toEqual({ type: t, nodeId, context });
      }),
    );
  });

  it('round-trips ConfChangeV2', () => {
    const tr = fc.constantFrom(
      ConfChangeTransition.Auto,
      ConfChangeTransition.JointImplicit,
      ConfChangeTransition.JointExplicit,
    );
    fc.assert(
      fc.property(tr, fc.array(fc.record({ type, nodeId: id }), { maxLength: 5 }), ctx, (transition, changes, c) => {
        const cc = { transition, changes, context: c };
        expect(decodeConfChangeV2(encodeConfChangeV2(cc))).toEqual(cc);
      }),
    );
  });

  it('decodes empty data as the empty ConfChangeV2 (leave joint)', () => {
    const cc = decodeConfChangeV2(new Uint8Array(0));
    expect(leaveJoint(cc)).toBe(true);
  });

  it('rejects corrupt or truncated data with InvalidConfChange', () => {
    const good = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 5n, context: new Uint8Array([1, 2]) });
    for (const bad of [good.slice(0, 5), new Uint8Array([9, 1, 0]), good.slice(0, good.length - 1)]) {
      let err: unknown;
      try {
        decodeConfChange(bad);
      } catch (e) {
        err = e;
      }
      expect(isRaftError(err, 'InvalidConfChange')).toBe(true);
    }
    expect(() => decodeConfChangeV2(good)).toThrow(/expected kind 2/);
  });

  it('classifies joint transitions', () => {
    const one = [{ type: ConfChangeType.AddNode, nodeId: 2n }];
    const two = [...one, { type: ConfChangeType.RemoveNode, nodeId: 3n }];
    const e = new Uint8Array(0);
    expect(enterJoint({ transition: ConfChangeTransition.Auto, changes: one, context: e })).toEqual({
      joint: false,
      autoLeave: false,
    });
    expect(enterJoint({ transition: ConfChangeTransition.Auto, changes: two, context: e })).toEqual({
      joint: true,
      autoLeave: true,
    });
    expect(enterJoint({ transition: ConfChangeTransition.JointExplicit, changes: one, context: e })).toEqual({
      joint: true,
      autoLeave: false,
    });
  });
});
