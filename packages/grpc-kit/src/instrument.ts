import {
  type MethodDefinition,
  type ServerErrorResponse,
  type ServiceError,
  status,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { DomainError, toServiceError } from './errors.js';
import type { Logger } from './logger.js';
import type { GrpcMetrics } from './metrics.js';
import type { ServiceBinding } from './server.js';

interface InstrumentContext {
  log: Logger;
  metrics?: GrpcMetrics;
  /** Streams still open, so that a graceful stop can end them. */
  openStreams: Set<{ end(): void; emit(event: 'error', err: unknown): boolean }>;
}

type Callback = (err: unknown, value?: unknown, trailer?: unknown, flags?: number) => void;
type EventEmitting = {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  once(e: string, f: () => void): void;
};

/** An error a handler already shaped as a gRPC status passes through; anything else goes through the table. */
function toStatus(err: unknown, log: Logger, method: string): Partial<ServiceError> {
  const shaped = err as Partial<ServerErrorResponse> | null;
  if (
    !(err instanceof DomainError) &&
    shaped !== null &&
    typeof shaped === 'object' &&
    typeof shaped.code === 'number' &&
    typeof shaped.details === 'string'
  ) {
    return shaped as Partial<ServiceError>;
  }
  return toServiceError(err, log, method);
}

/** Wraps every method of a service with error mapping, request metrics and stream tracking. */
export function instrumentService(binding: ServiceBinding, ctx: InstrumentContext): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(binding.definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const handler = binding.implementation[name];
    if (handler === undefined) continue;
    out[name] = def.responseStream
      ? wrapStream(handler, def.path, ctx)
      : wrapCallback(handler, def.path, ctx, def.requestStream);
  }
  return out;
}

function wrapCallback(
  handler: UntypedHandleCall,
  method: string,
  ctx: InstrumentContext,
  clientStreaming: boolean,
): UntypedHandleCall {
  const fn = handler as (call: unknown, callback: Callback) => void;
  return ((call: EventEmitting, callback: Callback) => {
    ctx.metrics?.started.inc({ method });
    const stopTimer = clientStreaming ? undefined : ctx.metrics?.handlingSeconds.startTimer({ method });
    fn(call, (err, value, trailer, flags) => {
      stopTimer?.();
      if (err) {
        const mapped = toStatus(err, ctx.log, method);
        ctx.metrics?.handled.inc({ method, code: status[mapped.code ?? status.UNKNOWN] });
        callback(mapped);
        return;
      }
      ctx.metrics?.handled.inc({ method, code: 'OK' });
      callback(null, value, trailer, flags);
    });
  }) as unknown as UntypedHandleCall;
}

function wrapStream(handler: UntypedHandleCall, method: string, ctx: InstrumentContext): UntypedHandleCall {
  const fn = handler as (call: unknown) => void;
  return ((call: EventEmitting & { end(): void; writableEnded: boolean }) => {
    ctx.metrics?.started.inc({ method });
    const tracked = call as unknown as { end(): void; emit(event: 'error', err: unknown): boolean };
    ctx.openStreams.add(tracked);
    let counted = false;
    const count = (code: string) => {
      if (counted) return;
      counted = true;
      ctx.openStreams.delete(tracked);
      ctx.metrics?.handled.inc({ method, code });
    };
    const emit = call.emit.bind(call);
    call.emit = (event: string | symbol, ...args: unknown[]) => {
      if (event === 'error') {
        const mapped = toStatus(args[0], ctx.log, method);
        count(status[mapped.code ?? status.UNKNOWN]);
        return emit(event, mapped);
      }
      return emit(event, ...args);
    };
    call.once('finish', () => count('OK'));
    call.once('cancelled', () => count('CANCELLED'));
    fn(call);
  }) as unknown as UntypedHandleCall;
}
