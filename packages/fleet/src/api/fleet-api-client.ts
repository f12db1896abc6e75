/**
 * A promise-based client of fleet.v1.Fleet over one or more fleetd endpoints: a call that
 * cannot reach an endpoint (UNAVAILABLE) goes to the next one. Statuses come back as
 * DomainErrors with the server's message.
 */
import { DomainError, kindOfStatus } from '@coreos-ts/grpc-kit';
import { fleetpb } from '@coreos-ts/proto';
import {
  type CallOptions,
  type ChannelCredentials,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

export interface FleetApiClientOptions {
  readonly endpoints: readonly string[];
  readonly credentials?: ChannelCredentials;
  /** Deadline of each unary call. */
  readonly requestTimeoutMs?: number;
}

export class FleetApiClient {
  private readonly clients: fleetpb.FleetClient[];
  private readonly timeoutMs: number;
  private preferred = 0;

  constructor(options: FleetApiClientOptions) {
    if (options.endpoints.length === 0) throw new Error('endpoint must name at least one fleetd');
    const creds = options.credentials ?? credentials.createInsecure();
    this.clients = options.endpoints.map((e) => new fleetpb.FleetClient(stripScheme(e), creds));
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }

  private async call<Req, Res>(pick: (c: fleetpb.FleetClient) => Unary<Req, Res>, request: Req): Promise<Res> {
    let last: unknown;
    for (let i = 0; i < this.clients.length; i++) {
      const index = (this.preferred + i) % this.clients.length;
      const client = this.clients[index] as fleetpb.FleetClient;
      try {
        const response = await new Promise<Res>((resolve, reject) => {
          pick(client).call(client, request, new Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) =>
            err ? reject(err) : resolve(res),
          );
        });
        this.preferred = index;
        return response;
      } catch (err) {
        last = err;
        if ((err as ServiceError).code !== status.UNAVAILABLE) break;
      }
    }
    throw toDomainError(last);
  }

  submitUnit(r: Partial<fleetpb.SubmitUnitRequest>): Promise<fleetpb.SubmitUnitResponse> {
    return this.call((c) => c.submitUnit, fleetpb.SubmitUnitRequest.fromPartial(r));
  }
  setUnitDesiredState(r: Partial<fleetpb.SetUnitDesiredStateRequest>): Promise<fleetpb.SetUnitDesiredStateResponse> {
    return this.call((c) => c.setUnitDesiredState, fleetpb.SetUnitDesiredStateRequest.fromPartial(r));
  }
  destroyUnit(name: string): Promise<fleetpb.DestroyUnitResponse> {
    return this.call((c) => c.destroyUnit, fleetpb.DestroyUnitRequest.fromPartial({ name }));
  }
  async getUnit(name: string): Promise<fleetpb.Unit | undefined> {
    try {
      return (await this.call((c) => c.getUnit, fleetpb.GetUnitRequest.fromPartial({ name }))).unit;
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }
  async listUnits(): Promise<fleetpb.Unit[]> {
    const out: fleetpb.Unit[] = [];
    let pageToken = '';
    do {
      const page = await this.call((c) => c.listUnits, fleetpb.ListUnitsRequest.fromPartial({ pageToken }));
      out.push(...page.units);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return out;
  }
  async listUnitStates(filter: { machineId?: string; unitName?: string } = {}): Promise<fleetpb.UnitRuntimeState[]> {
    const out: fleetpb.UnitRuntimeState[] = [];
    let pageToken = '';
    do {
      const request = fleetpb.ListUnitStatesRequest.fromPartial({ ...filter, pageToken });
      const page = await this.call((c) => c.listUnitStates, request);
      out.push(...page.states);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return out;
  }
  async listMachines(): Promise<fleetpb.Machine[]> {
    const out: fleetpb.Machine[] = [];
    let pageToken = '';
    do {
      const page = await this.call((c) => c.listMachines, fleetpb.ListMachinesRequest.fromPartial({ pageToken }));
      out.push(...page.machines);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return out;
  }
  drainMachine(machineId: string): Promise<fleetpb.DrainMachineResponse> {
    return this.call((c) => c.drainMachine, fleetpb.DrainMachineRequest.fromPartial({ machineId }));
  }
  undrainMachine(machineId: string): Promise<fleetpb.UndrainMachineResponse> {
    return this.call((c) => c.undrainMachine, fleetpb.UndrainMachineRequest.fromPartial({ machineId }));
  }
  setMachineMetadata(r: Partial<fleetpb.SetMachineMetadataRequest>): Promise<fleetpb.SetMachineMetadataResponse> {
    return this.call((c) => c.setMachineMetadata, fleetpb.SetMachineMetadataRequest.fromPartial(r));
  }

  /** Journal lines of a unit; with `follow`, until `signal` aborts. */
  async *journal(
    r: { unitName: string; lines: number; follow: boolean },
    signal?: AbortSignal,
  ): AsyncGenerator<fleetpb.JournalEntry> {
    const client = this.clients[this.preferred] as fleetpb.FleetClient;
    const stream = client.journal(fleetpb.JournalRequest.fromPartial(r));
    const onAbort = (): void => stream.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const entry of stream) yield entry as fleetpb.JournalEntry;
    } catch (err) {
      if (signal?.aborted || (err as ServiceError).code === status.CANCELLED) return;
      throw toDomainError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.cancel();
    }
  }
}

function stripScheme(endpoint: string): string {
  return endpoint.replace(/^(https?|grpc):\/\//, '').replace(/\/$/, '');
}

function toDomainError(err: unknown): Error {
  const e = err as ServiceError;
  if (typeof e?.code === 'number') {
    return new DomainError(kindOfStatus(e.code) ?? 'unavailable', e.details || e.message);
  }
  return err instanceof Error ? err : new Error(String(err));
}
