import { EventEmitter } from 'node:events';
import { DomainError, type RunningServer, serverStream, silentLogger, startServer, unary } from '@coreos-ts/grpc-kit';
import { updateenginepb } from '@coreos-ts/proto';
import { ServerCredentials } from '@grpc/grpc-js';

export interface FakeUpdateEngine {
  readonly address: string;
  /** Changes the status and tells every WatchStatus stream. */
  setStatus(status: keyof typeof updateenginepb.UpdateStatus): void;
  /** Resolves when `n` WatchStatus streams have been opened in total. */
  watchesOpened(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** update-engine's gRPC service with a status the test sets: WatchStatus sends the current one, then changes. */
export async function startFakeUpdateEngine(
  initial: keyof typeof updateenginepb.UpdateStatus = 'UPDATE_STATUS_IDLE',
  port = 0,
): Promise<FakeUpdateEngine> {
  let current = initial;
  let opened = 0;
  const events = new EventEmitter();
  const response = (): updateenginepb.StatusResponse =>
    updateenginepb.StatusResponse.fromPartial({
      currentOperation: updateenginepb.UpdateStatus[current],
      currentOperationName: current,
    });
  const unimplemented = unary(() => {
    throw new DomainError('unimplemented', 'not in the fake');
  });
  const server: RunningServer = await startServer({
    address: `127.0.0.1:${port}`,
    credentials: ServerCredentials.createInsecure(),
    log: silentLogger,
    services: [
      {
        name: 'update.v1.UpdateEngine',
        definition: updateenginepb.UpdateEngineService,
        implementation: {
          getStatus: unary(() => response()),
          watchStatus: serverStream(async (_request, call) => {
            const send = () => call.write(response());
            events.on('status', send);
            send();
            opened++;
            events.emit('opened');
            await new Promise<void>((resolve) => {
              call.once('cancelled', resolve);
              call.once('close', resolve);
              call.once('error', resolve);
            });
            events.off('status', send);
          }),
          attemptUpdate: unimplemented,
          resetStatus: unimplemented,
          getBootInfo: unimplemented,
        },
      },
    ],
  });
  return {
    address: `127.0.0.1:${server.port}`,
    setStatus(status) {
      current = status;
      events.emit('status');
    },
    async watchesOpened(n) {
      while (opened < n) await new Promise((resolve) => events.once('opened', resolve));
    },
    stop: () => server.stop(100),
  };
}
