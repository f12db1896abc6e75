/**
 * What this machine should run, as a pure function (fleet's desiredAgentState): the units the
 * engine scheduled here, plus the global units whose metadata this machine matches, each with
 * whether it should be started (desired state launched) or only known (loaded).
 */
import { globalTargets } from '../scheduler/global-targets.js';
import type { Machine } from '../scheduler/machine.js';
import type { UnitState } from '../unit/states.js';
import type { XFleetRequirements } from '../unit/x-fleet.js';

export interface KnownUnit {
  readonly name: string;
  readonly hash: string;
  readonly desired: UnitState;
  /** undefined when the file does not parse (never placed, never run). */
  readonly requirements: XFleetRequirements | undefined;
}

export interface AgentTarget {
  readonly name: string;
  readonly hash: string;
  readonly launch: boolean;
  readonly global: boolean;
}

export function agentTargets(
  me: Machine,
  scheduledHere: ReadonlySet<string>,
  units: ReadonlyMap<string, KnownUnit>,
): Map<string, AgentTarget> {
  const out = new Map<string, AgentTarget>();
  for (const name of scheduledHere) {
    const u = units.get(name);
    if (!u?.requirements || u.requirements.global || u.desired === 'inactive') continue;
    out.set(name, { name, hash: u.hash, launch: u.desired === 'launched', global: false });
  }
  for (const u of units.values()) {
    if (!u.requirements?.global) continue;
    const here = globalTargets({ name: u.name, desiredState: u.desired, requirements: u.requirements }, [me]);
    if (here.length === 1)
      out.set(u.name, { name: u.name, hash: u.hash, launch: u.desired === 'launched', global: true });
  }
  return out;
}

export type AgentAction =
  | { readonly kind: 'start'; readonly name: string; readonly hash: string }
  | { readonly kind: 'adopt'; readonly name: string; readonly hash: string }
  | { readonly kind: 'restart'; readonly name: string; readonly hash: string }
  | { readonly kind: 'stop'; readonly name: string; readonly reason: string };

/**
 * The agent's decision: `launched` is what it started (unit -> hash of the file it started
 * from), `running` what the runtimes report running (adopted units included). Units already
 * running when the agent first sees them are adopted, not restarted; a changed file restarts;
 * anything running that is no longer a launched target here stops.
 */
export function agentActions(
  targets: ReadonlyMap<string, AgentTarget>,
  launched: ReadonlyMap<string, string>,
  running: ReadonlySet<string>,
): AgentAction[] {
  const actions: AgentAction[] = [];
  for (const t of [...targets.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!t.launch) continue;
    const startedHash = launched.get(t.name);
    if (startedHash === undefined) {
      actions.push(
        running.has(t.name)
          ? { kind: 'adopt', name: t.name, hash: t.hash }
          : { kind: 'start', name: t.name, hash: t.hash },
      );
    } else if (startedHash !== t.hash) actions.push({ kind: 'restart', name: t.name, hash: t.hash });
  }
  const present = new Set([...launched.keys(), ...running]);
  for (const name of [...present].sort()) {
    const t = targets.get(name);
    if (t?.launch) continue;
    const reason = t ? 'desired state is not launched' : 'unit is not scheduled here';
    actions.push({ kind: 'stop', name, reason });
  }
  return actions;
}
