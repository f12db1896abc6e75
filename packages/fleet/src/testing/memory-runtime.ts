/**
 * An in-memory UnitRuntime: units "run" as entries in a map. For tests and benchmarks of the
 * control plane (registry, engine, agents) without the cost of real processes.
 */
import {
  inactiveStatus,
  type LogOptions,
  type RunningUnit,
  type RuntimeUnit,
  type UnitRuntime,
  type UnitStatus,
} from '../runtime/unit-runtime.js';

export class MemoryRuntime implements UnitRuntime {
  readonly kind = 'process';
  private readonly running = new Map<string, number>();
  private nextPid = 1000;
  /** Every start, in order (restarts show up twice). */
  readonly starts: string[] = [];

  constructor(private readonly unitsMax = 100_000) {}

  get size(): number {
    return this.running.size;
  }

  async start(unit: RuntimeUnit): Promise<void> {
    if (this.running.has(unit.name)) return;
    if (this.running.size >= this.unitsMax) throw new Error(`memory runtime is full (${this.unitsMax} units)`);
    this.running.set(unit.name, this.nextPid++);
    this.starts.push(unit.name);
  }

  async stop(name: string): Promise<void> {
    this.running.delete(name);
  }

  async status(name: string): Promise<UnitStatus> {
    const pid = this.running.get(name);
    return pid === undefined ? inactiveStatus(name) : { name, active: 'active', sub: 'running', pid, restarts: 0 };
  }

  async list(): Promise<RunningUnit[]> {
    return [...this.running].map(([name, pid]) => ({ name, pid }));
  }

  async *logs(_name: string, _options: LogOptions): AsyncGenerator<string> {}

  async close(): Promise<void> {}
}
