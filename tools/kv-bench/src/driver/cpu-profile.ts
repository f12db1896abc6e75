/** The parts of a V8 .cpuprofile (node --cpu-prof) that self time needs. */
export interface CpuProfile {
  /** Microseconds on the monotonic clock (the one process.hrtime reads on Linux). */
  startTime?: number;
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  /** Function name and file:line (1-based), or a package / area for the grouped view. */
  location: string;
  selfMs: number;
  /** Share of the busy (non-idle) sampled time, in percent. */
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time summarised (the window's, when one was given). */
  sampledMs: number;
  busyMs: number;
  idleMs: number;
  /** The functions with the most self time. */
  functions: SelfTime[];
  /** Self time grouped by package (node_modules package, workspace package, node internals). */
  areas: SelfTime[];
  /** Inclusive time of each stage (a sample counts for a stage when any frame of its stack matches). */
  stages: SelfTime[];
}

/** A stage of the server's work, recognised by the URLs of the frames on the stack. */
export interface ProfileStage {
  name: string;
  pattern: RegExp;
}

/** kvd's stages, by the files they run in (overlapping: a WAL write under gRPC counts for both). */
export const KVD_STAGES: ProfileStage[] = [
  { name: 'gRPC (@grpc/grpc-js)', pattern: /\/@grpc\/grpc-js\// },
  { name: 'HTTP/2 (node:internal/http2)', pattern: /^node:internal\/http2\// },
  { name: 'authority shim (grpc-kit url-authority, js_stream_socket)', pattern: /url-authority|js_stream_socket/ },
  { name: 'protobuf encode/decode', pattern: /@bufbuild\/protobuf|\/packages\/proto\// },
  { name: 'WAL (packages/kv wal)', pattern: /\/packages\/kv\/(dist|src)\/wal\// },
  {
    name: 'MVCC + LevelDB',
    pattern: /\/packages\/kv\/(dist|src)\/mvcc\/|abstract-level|classic-level|level-transcoder/,
  },
  { name: 'raft core (packages/raft)', pattern: /\/packages\/raft\// },
  { name: 'peer transport (packages/kv transport)', pattern: /\/packages\/kv\/(dist|src)\/transport\// },
  { name: 'metrics (prom-client)', pattern: /prom-client/ },
  { name: 'module loading', pattern: /^node:internal\/modules\// },
];

const IDLE = '(idle)';

/** node_modules/.pnpm/x@1/node_modules/@scope/name/lib/f.js -> @scope/name/lib/f.js; workspace packages/kv/... */
function shortUrl(url: string): string {
  const marker = url.lastIndexOf('/node_modules/');
  if (marker >= 0) return url.slice(marker + '/node_modules/'.length);
  const workspace = /\/(packages|tools)\/(.*)$/.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  return url.replace(/^file:\/\//, '');
}

function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const short = shortUrl(url);
  const parts = short.split('/');
  if (short.startsWith('packages/') || short.startsWith('tools/')) return parts.slice(0, 2).join('/');
  return parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? short);
}

function ranked(totals: Map<string, number>, busyUs: number, limit: number): SelfTime[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([location, us]) => ({ location, selfMs: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
}

/**
 * Self time: each sample's time delta is charged to the node on top of the stack, then grouped by
 * function (name and location) and by package. Idle time is left out of the shares. With a
 * window (hrtime microseconds), only the samples taken inside it count: the load, not startup.
 */
export function summariseCpuProfile(
  profile: CpuProfile,
  limit: number,
  window?: { startUs: number; endUs: number },
  stages: ProfileStage[] = KVD_STAGES,
): ProfileSummary {
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const stagesOf = new Map<number, boolean[]>();
  const stageHits = (id: number): boolean[] => {
    const known = stagesOf.get(id);
    if (known) return known;
    const parent = parentOf.get(id);
    const inherited = parent === undefined ? stages.map(() => false) : stageHits(parent);
    const url = nodeById.get(id)?.callFrame.url ?? '';
    const hits = stages.map((stage, i) => inherited[i] === true || (url !== '' && stage.pattern.test(url)));
    stagesOf.set(id, hits);
    return hits;
  };
  const byStage = new Map<string, number>(stages.map((s) => [s.name, 0]));
  const deltas = profile.timeDeltas ?? [];
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let at = profile.startTime ?? 0;
  (profile.samples ?? []).forEach((id, i) => {
    const delta = Math.max(0, deltas[i] ?? 0);
    at += deltas[i] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) return;
    const frame = nodeById.get(id)?.callFrame;
    if (!frame) return;
    const name = frame.functionName || '(anonymous)';
    if (name === IDLE) {
      idleUs += delta;
      return;
    }
    const location = frame.url ? `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name;
    const area = areaOf(frame.url, name);
    byFunction.set(location, (byFunction.get(location) ?? 0) + delta);
    byArea.set(area, (byArea.get(area) ?? 0) + delta);
    stageHits(id).forEach((hit, i) => {
      const stage = stages[i]!.name;
      if (hit) byStage.set(stage, (byStage.get(stage) ?? 0) + delta);
    });
    busyUs += delta;
  });
  return {
    sampledMs: (busyUs + idleUs) / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    functions: ranked(byFunction, busyUs, limit),
    areas: ranked(byArea, busyUs, limit),
    stages: ranked(byStage, busyUs, stages.length),
  };
}
