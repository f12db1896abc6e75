import { fleetpb } from '@coreos-ts/proto';
import { type ChannelCredentials, Metadata, type ServiceError } from '@grpc/grpc-js';

export interface FleetDrainer {
  /** Drains the machine and resolves once fleet reports none of its units running here. */
  drain(): Promise<void>;
  undrain(): Promise<void>;
  close(): void;
}

export interface FleetDrainerOptions {
  address: string;
  credentials: ChannelCredentials;
  machineId: string;
  /** Deadline of each call (default 30 s). */
  callTimeoutMs?: number;
  /** How long a drain may take to empty the machine before it fails (default 60 s). */
  drainTimeoutMs?: number;
  /** How often the machine's unit states are read while waiting (default 250 ms). */
  drainPollMs?: number;
}

/** Unit states that mean a unit still runs (or is being started or stopped) on a machine. */
const RUNNING_STATES = new Set(['active', 'activating', 'deactivating', 'reloading']);
const PAGES_MAX = 100;

/**
 * fleet's DrainMachine / UndrainMachine for one machine, each call with a deadline. DrainMachine
 * only marks the machine: the engine then moves its units and its agent stops them. So a drain
 * waits (bounded) until fleet reports no unit running here; rebooting earlier would kill units
 * that have not stopped yet, or leave them running next to their new copy elsewhere.
 */
export function fleetDrainer(options: FleetDrainerOptions): FleetDrainer {
  const client = new fleetpb.FleetClient(options.address, options.credentials);
  const timeoutMs = options.callTimeoutMs ?? 30_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  const pollMs = options.drainPollMs ?? 250;
  let closed = false;
  const deadline = () => ({ deadline: new Date(Date.now() + timeoutMs) });
  const failed = (method: string, err: ServiceError) => new Error(`fleet ${method}: ${err.details || err.message}`);
  const setDrained = (method: 'drainMachine' | 'undrainMachine') =>
    new Promise<void>((resolve, reject) => {
      const request = { machineId: options.machineId };
      const callback = (err: ServiceError | null) => (err ? reject(failed(method, err)) : resolve());
      if (method === 'drainMachine') client.drainMachine(request, new Metadata(), deadline(), callback);
      else client.undrainMachine(request, new Metadata(), deadline(), callback);
    });
  const statesPage = (pageToken: string) =>
    new Promise<fleetpb.ListUnitStatesResponse>((resolve, reject) => {
      const request = { machineId: options.machineId, unitName: '', pageSize: 1000, pageToken };
      client.listUnitStates(request, new Metadata(), deadline(), (err, res) =>
        err ? reject(failed('listUnitStates', err)) : resolve(res),
      );
    });
  const runningHere = async (): Promise<string[]> => {
    const names: string[] = [];
    let token = '';
    for (let page = 0; page < PAGES_MAX; page++) {
      const res = await statesPage(token);
      for (const s of res.states) if (RUNNING_STATES.has(s.activeState)) names.push(s.name);
      token = res.nextPageToken;
      if (token === '') return names;
    }
    throw new Error(`fleet listUnitStates: more than ${PAGES_MAX} pages of unit states`);
  };
  const emptied = async (): Promise<void> => {
    const until = Date.now() + drainTimeoutMs;
    for (;;) {
      const running = await runningHere();
      if (running.length === 0) return;
      if (closed) throw new Error('fleet drain: stopped while waiting');
      if (Date.now() >= until) {
        throw new Error(`fleet drain: units still running here after ${drainTimeoutMs} ms: ${running.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  return {
    drain: async () => {
      await setDrained('drainMachine');
      await emptied();
    },
    undrain: () => setDrained('undrainMachine'),
    close: () => {
      closed = true;
      client.close();
    },
  };
}
