// A simulated machine and its supervisor, which plays init: a boot asks the "bootloader"
// (update-engine's bootDiskImage: gptprio on the disk image, tries decremented) which USR slot to
// boot, reads that slot's version (the machine's OS version), draws a fresh boot id, and starts
// the machine's components as processes. A reboot stops them all and boots again.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootDiskImage, GptBootControl, readSlotVersion, type SlotName } from '@coreos-ts/update-engine';
import { createTestDisk, installPayloadInSlot } from '@coreos-ts/update-engine/testing';
import {
  type ComponentName,
  componentCommand,
  endpointsOf,
  type MachineConfig,
  type MachineEndpoints,
  machinePaths,
} from './machine-config.js';
import { loseUnits, type UnitsLost } from './machine-units.js';
import { ManagedProcess } from './managed-process.js';

export type MachineState = 'off' | 'booting' | 'up' | 'stopping' | 'no-bootable-slot';

export interface BootRecord {
  readonly bootCount: number;
  readonly bootId: string;
  readonly slot: SlotName;
  readonly version: string;
  readonly atMs: number;
}

export class Machine {
  /** `units-lost`: what the machine's fleetd still ran when it went off (before the state 'off'). */
  readonly events = new EventEmitter<{ boot: [BootRecord]; state: [MachineState]; 'units-lost': [UnitsLost] }>();
  private readonly processes = new Map<ComponentName, ManagedProcess>();
  private current: BootRecord | undefined;
  private machineState: MachineState = 'off';
  private bootCount = 0;
  /** Boots, reboots and shutdowns run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly config: MachineConfig) {}

  /** Lays out the machine's directory and disk: slot A holds `basePayload` and boots first. */
  static async create(config: MachineConfig, basePayload: Buffer): Promise<Machine> {
    const p = machinePaths(config.dir);
    for (const dir of [p.kvDataDir, p.updateEngineStateDir, p.fleetDir, p.locksmithDir, p.logsDir, p.runDir]) {
      mkdirSync(dir, { recursive: true });
    }
    mkdirSync(join(config.dir, 'etc'), { recursive: true });
    mkdirSync(join(config.dir, 'bin'), { recursive: true });
    writeFileSync(p.machineIdFile, `${config.machineId}\n`);
    writeFileSync(p.updateConf, `GROUP=${config.updateGroup}\nSERVER=${config.omahaUrl}\n`);
    writeFileSync(
      p.rebootScript,
      [
        '// The machine\'s "systemctl reboot": asks the harness to reboot this machine.',
        `const res = await fetch(${JSON.stringify(`${config.controlUrl}/machines/${config.name}/reboot`)}, { method: 'POST' });`,
        'process.exit(res.ok ? 0 : 1);',
        '',
      ].join('\n'),
    );
    createTestDisk(p.disk);
    await installPayloadInSlot(new GptBootControl(p.disk), 'A', basePayload);
    return new Machine(config);
  }

  /** Re-attaches to an existing machine directory (no disk or layout changes). */
  static existing(config: MachineConfig): Machine {
    return new Machine(config);
  }

  get name(): string {
    return this.config.name;
  }

  get state(): MachineState {
    return this.machineState;
  }

  get lastBoot(): BootRecord | undefined {
    return this.current;
  }

  get endpoints(): MachineEndpoints {
    return endpointsOf(this.config);
  }

  get diskPath(): string {
    return machinePaths(this.config.dir).disk;
  }

  components(): ComponentName[] {
    return [...this.config.components];
  }

  process(component: ComponentName): ManagedProcess | undefined {
    return this.processes.get(component);
  }

  logPath(component: ComponentName | 'boot'): string {
    const p = machinePaths(this.config.dir);
    return component === 'boot' ? p.bootLog : join(p.logsDir, `${component}.log`);
  }

  /** Powers on: bootloader, then every component. */
  boot(): Promise<BootRecord | undefined> {
    return this.serialize(() => this.bootNow());
  }

  /** Stops every component (SIGTERM, SIGKILL after the grace period) and boots again. */
  reboot(): Promise<BootRecord | undefined> {
    return this.serialize(async () => {
      await this.shutdownNow();
      return this.bootNow();
    });
  }

  /** Stops every component; the machine stays off. */
  shutdown(): Promise<void> {
    return this.serialize(() => this.shutdownNow());
  }

  /**
   * SIGKILL (a crash) of one component, or of all of them (power loss: the machine is off, and the
   * units its fleetd ran are lost with it).
   */
  kill(component?: ComponentName): Promise<void> {
    return this.serialize(async () => {
      for (const name of component === undefined ? [...this.processes.keys()].reverse() : [component]) {
        await this.processes.get(name)?.signal('SIGKILL');
      }
      if (component !== undefined) return;
      this.log({ event: 'power loss', unitsLost: await this.loseUnits() });
      this.setState('off');
    });
  }

  pause(component?: ComponentName): Promise<void> {
    return this.signalAll('SIGSTOP', component);
  }

  resume(component?: ComponentName): Promise<void> {
    return this.signalAll('SIGCONT', component);
  }

  /** Restarts one component (or all) within the same boot: a service restart, not a reboot. */
  restart(component?: ComponentName): Promise<void> {
    return this.serialize(async () => {
      const boot = this.current;
      if (boot === undefined || this.machineState !== 'up') throw new Error(`${this.name} is not up: reboot it`);
      for (const name of component === undefined ? this.components() : [component]) {
        const proc = this.processes.get(name);
        await proc?.stop(this.config.stopGraceMs);
        this.startComponent(name, boot);
      }
    });
  }

  /** Synchronous last resort for exit hooks: SIGKILL every running component. */
  killNow(): void {
    for (const proc of this.processes.values()) proc.killNow();
  }

  private signalAll(signal: NodeJS.Signals, component?: ComponentName): Promise<void> {
    return this.serialize(async () => {
      for (const name of component === undefined ? [...this.processes.keys()] : [component]) {
        await this.processes.get(name)?.signal(signal);
      }
    });
  }

  private serialize<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setState(state: MachineState): void {
    this.machineState = state;
    this.events.emit('state', state);
  }

  private async bootNow(): Promise<BootRecord | undefined> {
    this.setState('booting');
    const disk = machinePaths(this.config.dir).disk;
    const choice = await bootDiskImage(disk);
    if (choice.slot === null) {
      this.log({ event: 'no bootable slot' });
      this.setState('no-bootable-slot');
      return undefined;
    }
    const version = (await readSlotVersion(await new GptBootControl(disk).device(choice.slot))) ?? '0.0.0';
    this.bootCount += 1;
    const record: BootRecord = {
      bootCount: this.bootCount,
      bootId: randomUUID(),
      slot: choice.slot,
      version,
      atMs: Date.now(),
    };
    this.current = record;
    this.log({ event: 'boot', ...record, attributes: choice.attributes });
    for (const name of this.components()) this.startComponent(name, record);
    this.setState('up');
    this.events.emit('boot', record);
    return record;
  }

  private async shutdownNow(): Promise<void> {
    this.setState('stopping');
    for (const name of [...this.processes.keys()].reverse()) {
      await this.processes.get(name)?.stop(this.config.stopGraceMs);
    }
    this.log({ event: 'shutdown', unitsLost: await this.loseUnits() });
    this.setState('off');
  }

  /** Kills the units fleetd left running (it leaves them to a restarted fleetd, not to a reboot). */
  private async loseUnits(): Promise<UnitsLost> {
    const lost = await loseUnits(this.config);
    this.events.emit('units-lost', lost);
    return lost;
  }

  private startComponent(name: ComponentName, boot: BootRecord): void {
    const { script, args } = componentCommand(this.config, name, boot);
    const p = machinePaths(this.config.dir);
    const proc = new ManagedProcess({
      name,
      script,
      args,
      logPath: join(p.logsDir, `${name}.log`),
      pidPath: join(p.runDir, `${name}.pid`),
      ...(this.config.netns === undefined ? {} : { netns: this.config.netns }),
    });
    this.processes.set(name, proc);
    proc.start();
  }

  private log(entry: Record<string, unknown>): void {
    appendFileSync(
      machinePaths(this.config.dir).bootLog,
      `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`,
    );
  }
}
