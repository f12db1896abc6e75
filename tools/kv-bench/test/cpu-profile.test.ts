import { describe, expect, it } from 'vitest';
import { summariseCpuProfile } from '../src/driver/cpu-profile.js';
import { renderThroughputChart } from '../src/driver/svg-chart.js';

describe('summariseCpuProfile', () => {
  it('charges each sample to the top frame and leaves idle time out of the shares', () => {
    const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3] },
        { id: 2, callFrame: frame('(idle)', '', -1) },
        { id: 3, callFrame: frame('apply', 'file:///w/packages/kv/dist/mvcc/store.js', 9), children: [4] },
        { id: 4, callFrame: frame('write', 'file:///w/node_modules/.pnpm/x/node_modules/@grpc/grpc-js/build/a.js', 0) },
      ],
      samples: [2, 3, 3, 4, 3],
      timeDeltas: [500, 100, 100, 200, 100],
    };
    const summary = summariseCpuProfile(profile, 10);
    expect(summary.idleMs).toBe(0.5);
    expect(summary.busyMs).toBe(0.5);
    expect(summary.functions[0]).toEqual({
      location: 'apply packages/kv/dist/mvcc/store.js:10',
      selfMs: 0.3,
      percent: 60,
    });
    expect(summary.areas.map((a) => a.location)).toEqual(['packages/kv', '@grpc/grpc-js']);
    const stage = (name: string) => summary.stages.find((s) => s.location.startsWith(name))?.percent;
    expect(stage('MVCC')).toBe(100);
    expect(stage('gRPC')).toBe(40);
    expect(stage('WAL')).toBe(0);
  });

  it('counts only the samples inside the window', () => {
    const profile = {
      startTime: 1_000,
      nodes: [{ id: 1, callFrame: { functionName: 'f', url: '', lineNumber: 0 } }],
      samples: [1, 1, 1],
      timeDeltas: [100, 100, 100],
    };
    expect(summariseCpuProfile(profile, 5, { startUs: 1_150, endUs: 1_300 }).busyMs).toBe(0.2);
  });
});

describe('renderThroughputChart', () => {
  it('draws one line per series with a point per client count', () => {
    const svg = renderThroughputChart('t', [
      {
        name: 'kvd',
        color: 'red',
        points: [
          [1, 100],
          [16, 900],
        ],
      },
      {
        name: 'etcd <3.4>',
        color: 'blue',
        points: [
          [1, 500],
          [16, 3_000],
        ],
      },
    ]);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('etcd &lt;3.4&gt;');
  });
});
