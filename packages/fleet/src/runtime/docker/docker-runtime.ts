/**
 * Runs `.container` units as Docker containers through dockerode. Every container carries the
 * unit name and this machine's ID as labels, so all state lives in dockerd: a new runtime
 * instance adopts the running containers simply by finding them. Restart= maps onto Docker's
 * restart policy (which backs off exponentially, capped by dockerd).
 */
import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import Docker from 'dockerode';
import { parseUnitName } from '../../unit/unit-name.js';
import { parseContainerConfig } from '../container-config.js';
import { RuntimeConfigError } from '../service-config.js';
import {
  inactiveStatus,
  type LogOptions,
  type RunningUnit,
  type RuntimeUnit,
  type UnitRuntime,
  type UnitStatus,
} from '../unit-runtime.js';
import { decodeLogLines, LogFrameDecoder } from './log-frames.js';

export const UNIT_LABEL = 'coreos-ts.fleet.unit';
export const MACHINE_LABEL = 'coreos-ts.fleet.machine';

export interface DockerRuntimeConfig {
  readonly machineId: string;
  readonly logger: Logger;
  /** dockerd's API socket. */
  readonly socketPath: string;
  /** Most lines `logs` returns without follow, whatever the caller asks. */
  readonly logLinesMax: number;
}

export function defaultDockerRuntimeConfig(machineId: string): DockerRuntimeConfig {
  return { machineId, logger: silentLogger, socketPath: '/var/run/docker.sock', logLinesMax: 10_000 };
}

interface Found {
  readonly id: string;
  readonly state: string;
}

export class DockerRuntime implements UnitRuntime {
  readonly kind = 'docker';
  private readonly docker: Docker;
  private readonly log: Logger;
  /** Start failures that left no running container behind, by unit. */
  private readonly failures = new Map<string, string>();

  constructor(private readonly config: DockerRuntimeConfig) {
    if (config.machineId === '') throw new Error('machineId must be set');
    if (!(config.logLinesMax > 0)) throw new Error(`logLinesMax (${config.logLinesMax}) must be positive`);
    this.docker = new Docker({ socketPath: config.socketPath });
    this.log = config.logger.child({ runtime: 'docker' });
  }

  private async find(name: string): Promise<Found | undefined> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${UNIT_LABEL}=${name}`, `${MACHINE_LABEL}=${this.config.machineId}`] },
    });
    const c = found[0];
    return c ? { id: c.Id, state: c.State } : undefined;
  }

  async start(unit: RuntimeUnit): Promise<void> {
    if (parseUnitName(unit.name).type !== 'container') {
      throw new RuntimeConfigError(`DockerRuntime runs .container units, not ${unit.name}`);
    }
    const config = parseContainerConfig(unit.name, unit.file);
    const existing = await this.find(unit.name);
    if (existing && (existing.state === 'running' || existing.state === 'restarting')) return;
    if (existing) await this.docker.getContainer(existing.id).remove({ force: true });
    this.failures.delete(unit.name);
    if (config.ignoredPublishPorts.length > 0) {
      this.log.warn(
        { unit: unit.name, ports: config.ignoredPublishPorts },
        'PublishPort= ignored with host networking',
      );
    }
    let id: string | undefined;
    try {
      const container = await this.docker.createContainer({
        name: config.containerName,
        Image: config.image,
        ...(config.exec.length > 0 ? { Cmd: [...config.exec] } : {}),
        Env: config.environment.map(([k, v]) => `${k}=${v}`),
        Labels: { [UNIT_LABEL]: unit.name, [MACHINE_LABEL]: this.config.machineId },
        StopTimeout: Math.max(1, Math.ceil(config.timeoutStopMs / 1000)),
        HostConfig: {
          NetworkMode: config.network,
          Binds: [...config.volumes],
          RestartPolicy: { Name: config.restart === 'no' ? 'no' : config.restart },
        },
      });
      id = container.id;
      await container.start();
      this.log.info({ unit: unit.name, containerId: id }, 'unit started');
    } catch (err) {
      const message = dockerMessage(err);
      this.failures.set(unit.name, message);
      this.log.warn({ unit: unit.name, containerId: id, message }, 'unit failed to start');
    }
  }

  async stop(name: string): Promise<void> {
    this.failures.delete(name);
    const found = await this.find(name);
    if (!found) return;
    const container = this.docker.getContainer(found.id);
    const inspect = await container.inspect();
    const unit = inspect.Config.Labels?.[UNIT_LABEL] ?? name;
    if (found.state === 'running' || found.state === 'restarting') {
      const configured = (inspect.Config as { StopTimeout?: number }).StopTimeout;
      const timeoutSec = Math.ceil(Number(configured ?? 10));
      await container.stop({ t: timeoutSec }).catch((err: unknown) => {
        if (statusCode(err) !== 304) throw err; // 304: already stopped
      });
    }
    await container.remove({ force: true });
    this.log.info({ unit, containerId: found.id }, 'unit stopped');
  }

  async status(name: string): Promise<UnitStatus> {
    const found = await this.find(name);
    const failure = this.failures.get(name);
    if (!found)
      return failure ? { name, active: 'failed', sub: 'failed', message: failure, restarts: 0 } : inactiveStatus(name);
    const inspect = await this.docker.getContainer(found.id).inspect();
    const s = inspect.State;
    const base = { name, containerId: found.id, restarts: inspect.RestartCount ?? 0 };
    if (failure) return { ...base, active: 'failed', sub: 'failed', message: failure, exitCode: s.ExitCode };
    if (s.Restarting) return { ...base, active: 'activating', sub: 'auto-restart', exitCode: s.ExitCode };
    if (s.Running) return { ...base, active: 'active', sub: 'running', pid: s.Pid };
    if (s.Status === 'created') return { ...base, active: 'activating', sub: 'start-pre' };
    const message = s.Error ? s.Error : `exited with code ${s.ExitCode}`;
    if (s.ExitCode === 0 && !s.OOMKilled) return { ...base, active: 'inactive', sub: 'dead', exitCode: 0, message };
    return { ...base, active: 'failed', sub: 'failed', exitCode: s.ExitCode, message };
  }

  async list(): Promise<RunningUnit[]> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`${MACHINE_LABEL}=${this.config.machineId}`] },
    });
    return found
      .filter((c) => c.State === 'running' || c.State === 'restarting')
      .map((c) => ({ name: c.Labels[UNIT_LABEL] ?? '', containerId: c.Id }))
      .filter((u) => u.name !== '')
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async *logs(name: string, options: LogOptions): AsyncGenerator<string> {
    const found = await this.find(name);
    if (!found) return;
    const container = this.docker.getContainer(found.id);
    const tail = Math.min(Math.max(options.lines, 0), this.config.logLinesMax);
    if (!options.follow) {
      yield* decodeLogLines(await container.logs({ stdout: true, stderr: true, tail, follow: false }));
      return;
    }
    const stream = (await container.logs({
      stdout: true,
      stderr: true,
      tail,
      follow: true,
    })) as NodeJS.ReadableStream & {
      destroy?: () => void;
    };
    const onAbort = () => stream.destroy?.();
    options.signal?.addEventListener('abort', onAbort);
    const decoder = new LogFrameDecoder();
    let partial = '';
    try {
      for await (const chunk of stream) {
        const text = partial + Buffer.concat(decoder.push(Buffer.from(chunk as Buffer))).toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        yield* lines;
        if (options.signal?.aborted) return;
      }
    } catch (err) {
      if (!options.signal?.aborted) throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      stream.destroy?.();
    }
  }

  async close(): Promise<void> {
    // nothing held: the containers and their state live in dockerd
  }
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : undefined;
}

/** dockerd's own message where there is one ("No such image: ..."), else the error's. */
function dockerMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json?: { message?: unknown } }).json;
    if (json && typeof json.message === 'string') return json.message;
  }
  return err instanceof Error ? err.message : String(err);
}
