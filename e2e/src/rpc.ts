// Promise wrappers over the gRPC clients the harness uses: update-engine (status, boot info, the
// status stream) and update-server's admin API (packages, channels, groups, instances, rollout).
import { fleetpb, updateenginepb, updateserverpb } from '@coreos-ts/proto';
import { type ClientReadableStream, credentials, Metadata } from '@grpc/grpc-js';

type Callback<Res> = (err: Error | null, res: Res) => void;

function call<Res>(fn: (cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

/** How long a unary call of the harness may take (by default). */
const CALL_DEADLINE_MS = 5_000;
const deadline = (ms = CALL_DEADLINE_MS) => ({ deadline: Date.now() + ms });

/**
 * Resolves with the first message of `stream` that satisfies `done`; rejects when the stream
 * ends or fails first, or after `timeoutMs`. The stream is cancelled either way.
 */
export function awaitStream<T>(
  stream: ClientReadableStream<T>,
  done: (message: T) => boolean,
  what: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let last: T | undefined;
    const finish = (result: { ok: T } | { err: Error }) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.removeAllListeners('error');
      stream.removeAllListeners('end');
      stream.on('error', () => undefined); // the cancellation below surfaces as an error
      stream.cancel();
      if ('ok' in result) resolve(result.ok);
      else reject(result.err);
    };
    const timer = setTimeout(
      () => finish({ err: new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(last)}`) }),
      timeoutMs,
    );
    stream.on('data', (message: T) => {
      last = message;
      if (done(message)) finish({ ok: message });
    });
    stream.on('error', (err: Error) => finish({ err: new Error(`${what}: stream failed: ${err.message}`) }));
    stream.on('end', () => finish({ err: new Error(`${what}: stream ended; last: ${show(last)}`) }));
  });
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export class UpdateEngineRpc {
  private readonly client: updateenginepb.UpdateEngineClient;

  constructor(
    readonly address: string,
    private readonly deadlineMs = CALL_DEADLINE_MS,
  ) {
    this.client = new updateenginepb.UpdateEngineClient(address, credentials.createInsecure());
  }

  status(): Promise<updateenginepb.StatusResponse> {
    return call((cb) => this.client.getStatus({}, new Metadata(), deadline(this.deadlineMs), cb));
  }

  bootInfo(): Promise<updateenginepb.BootInfo> {
    return call((cb) => this.client.getBootInfo({}, new Metadata(), deadline(this.deadlineMs), cb));
  }

  attemptUpdate(): Promise<updateenginepb.AttemptUpdateResponse> {
    return call((cb) =>
      this.client.attemptUpdate({ interactive: true }, new Metadata(), deadline(this.deadlineMs), cb),
    );
  }

  /** Follows WatchStatus until a status satisfies `done`. */
  waitForStatus(
    done: (s: updateenginepb.StatusResponse) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<updateenginepb.StatusResponse> {
    return awaitStream(this.client.watchStatus({}), done, what, timeoutMs);
  }

  close(): void {
    this.client.close();
  }
}

export class UpdateAdminRpc {
  private readonly client: updateserverpb.UpdateAdminClient;

  constructor(
    readonly address: string,
    readonly appId: string,
  ) {
    this.client = new updateserverpb.UpdateAdminClient(address, credentials.createInsecure());
  }

  /** Streams a signed payload to the server as package `version`. */
  uploadPackage(version: string, payload: Buffer): Promise<updateserverpb.Package> {
    return new Promise((resolve, reject) => {
      const stream = this.client.uploadPackage(deadline(), (err, res) => (err ? reject(err) : resolve(res)));
      stream.write({ appId: this.appId, version, chunk: Buffer.alloc(0) });
      const chunkBytes = 1 << 20;
      for (let offset = 0; offset < payload.length; offset += chunkBytes) {
        stream.write({ appId: '', version: '', chunk: payload.subarray(offset, offset + chunkBytes) });
      }
      stream.end();
    });
  }

  setChannel(name: string, version: string): Promise<updateserverpb.Channel> {
    return call((cb) => this.client.setChannel({ appId: this.appId, name, version }, new Metadata(), deadline(), cb));
  }

  createGroup(
    name: string,
    track: string,
    channel: string,
    policy: updateserverpb.RolloutPolicyPatch,
  ): Promise<updateserverpb.Group> {
    return call((cb) =>
      this.client.createGroup({ appId: this.appId, name, track, channel, policy }, new Metadata(), deadline(), cb),
    );
  }

  listGroups(): Promise<updateserverpb.Group[]> {
    return call<updateserverpb.ListGroupsResponse>((cb) =>
      this.client.listGroups({ appId: this.appId }, new Metadata(), deadline(), cb),
    ).then((r) => r.groups);
  }

  listInstances(): Promise<updateserverpb.Instance[]> {
    return call<updateserverpb.ListInstancesResponse>((cb) =>
      this.client.listInstances({ appId: this.appId, group: '' }, new Metadata(), deadline(), cb),
    ).then((r) => r.instances);
  }

  listEvents(machineId: string, limit = 100): Promise<updateserverpb.InstanceEvent[]> {
    return call<updateserverpb.ListEventsResponse>((cb) =>
      this.client.listEvents({ machineId, group: '', limit }, new Metadata(), deadline(), cb),
    ).then((r) => r.events);
  }

  /** Follows WatchRollout until the group's progress satisfies `done`. */
  waitForRollout(
    group: string,
    done: (p: updateserverpb.RolloutProgress) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<updateserverpb.RolloutProgress> {
    return awaitStream(this.client.watchRollout({ group }), done, what, timeoutMs);
  }

  close(): void {
    this.client.close();
  }
}

export interface UnitView {
  readonly name: string;
  readonly machineId: string;
  readonly desiredState: string;
  readonly currentState: string;
}

const unitStateName = (s: fleetpb.UnitState) =>
  (fleetpb.UnitState[s] ?? String(s)).replace(/^UNIT_STATE_/, '').toLowerCase();

/** fleet's units (first page of up to 1000), through one fleetd's gRPC API. */
export async function listUnits(address: string, deadlineMs = CALL_DEADLINE_MS): Promise<UnitView[]> {
  const client = new fleetpb.FleetClient(address, credentials.createInsecure());
  try {
    const res = await call<fleetpb.ListUnitsResponse>((cb) =>
      client.listUnits({ pageSize: 1000, pageToken: '' }, new Metadata(), deadline(deadlineMs), cb),
    );
    return res.units.map((u) => ({
      name: u.name,
      machineId: u.machineId,
      desiredState: unitStateName(u.desiredState),
      currentState: unitStateName(u.currentState),
    }));
  } finally {
    client.close();
  }
}

/** fleet's gRPC API (the calls the scenarios use), on any of several fleetds: each call tries them in turn. */
export class FleetRpc {
  private readonly clients: fleetpb.FleetClient[];

  constructor(
    readonly addresses: readonly string[],
    private readonly deadlineMs = 2_000,
  ) {
    this.clients = addresses.map((a) => new fleetpb.FleetClient(a, credentials.createInsecure()));
  }

  private async any<Res>(fn: (c: fleetpb.FleetClient, cb: Callback<Res>) => unknown): Promise<Res> {
    let last: unknown = new Error('no fleetd address');
    for (const client of this.clients) {
      try {
        return await call<Res>((cb) => fn(client, cb));
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  startUnit(name: string, unitFile: string): Promise<fleetpb.SubmitUnitResponse> {
    const request = { name, unitFile, desiredState: fleetpb.UnitState.UNIT_STATE_LAUNCHED, replace: false };
    return this.any((c, cb) => c.submitUnit(request, new Metadata(), deadline(this.deadlineMs), cb));
  }

  async listMachines(): Promise<fleetpb.Machine[]> {
    const request = { pageSize: 1000, pageToken: '' };
    return (
      await this.any<fleetpb.ListMachinesResponse>((c, cb) =>
        c.listMachines(request, new Metadata(), deadline(this.deadlineMs), cb),
      )
    ).machines;
  }

  async destroyUnit(name: string): Promise<void> {
    await this.any((c, cb) => c.destroyUnit({ name }, new Metadata(), deadline(this.deadlineMs), cb));
  }

  /** The reported states of `unitName`, or of every unit with ''. */
  async unitStates(unitName: string): Promise<fleetpb.UnitRuntimeState[]> {
    const request = { machineId: '', unitName, pageSize: 1000, pageToken: '' };
    return (
      await this.any<fleetpb.ListUnitStatesResponse>((c, cb) =>
        c.listUnitStates(request, new Metadata(), deadline(this.deadlineMs), cb),
      )
    ).states;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
