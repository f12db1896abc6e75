import { fleetpb } from '@coreos-ts/proto';
import { type ChannelCredentials, Metadata, type ServiceError } from '@grpc/grpc-js';

export interface FleetDrainer {
  drain(): Promise<void>;
  undrain(): Promise<void>;
  close(): void;
}

/** fleet's DrainMachine / UndrainMachine for one machine, each call with a deadline. */
export function fleetDrainer(options: {
  address: string;
  credentials: ChannelCredentials;
  machineId: string;
  callTimeoutMs?: number;
}): FleetDrainer {
  const client = new fleetpb.FleetClient(options.address, options.credentials);
  const timeoutMs = options.callTimeoutMs ?? 30_000;
  const request = { machineId: options.machineId };
  const call = (method: 'drainMachine' | 'undrainMachine') =>
    new Promise<void>((resolve, reject) => {
      const callback = (err: ServiceError | null) =>
        err ? reject(new Error(`fleet ${method}: ${err.details || err.message}`)) : resolve();
      const deadline = new Date(Date.now() + timeoutMs);
      if (method === 'drainMachine') client.drainMachine(request, new Metadata(), { deadline }, callback);
      else client.undrainMachine(request, new Metadata(), { deadline }, callback);
    });
  return {
    drain: () => call('drainMachine'),
    undrain: () => call('undrainMachine'),
    close: () => client.close(),
  };
}
