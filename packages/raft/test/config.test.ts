import { describe, expect, it } from 'vitest';
import { defaultConfig, RaftError, validateConfig } from '../src/index.js';

const rng = () => 0.5;

describe('validateConfig', () => {
  it('accepts the defaults', () => {
    expect(validateConfig(defaultConfig(1n, rng)).id).toBe(1n);
  });

  it.each([
    [{ id: 0n }, 'id (0) must be a uint64 other than 0'],
    [{ electionTick: 10, heartbeatTick: 10 }, 'electionTick (10) must be greater than heartbeatTick (10)'],
    [{ heartbeatTick: 0 }, 'heartbeatTick (0) must be a positive integer'],
    [{ maxInflightMsgs: 0 }, 'maxInflightMsgs (0) must be a positive integer'],
    [{ maxSizePerMsg: 1000, maxInflightBytes: 10 }, 'maxInflightBytes (10) must be at least maxSizePerMsg (1000)'],
    [{ applied: -1 }, 'applied (-1) must be a non-negative integer'],
    [{ readOnlyOption: 'lease-based', checkQuorum: false }, "readOnlyOption ('lease-based') requires checkQuorum"],
  ] as const)('rejects %o', (patch, msg) => {
    const c = { ...defaultConfig(1n, rng), ...patch };
    expect(() => validateConfig(c)).toThrow(RaftError);
    expect(() => validateConfig(c)).toThrow(msg);
  });
});
