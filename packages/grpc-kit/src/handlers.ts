import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';

/**
 * Typed adapters from promise-returning functions to grpc-js handlers. A thrown error (a
 * DomainError or a bug) is passed on as is; the server's instrumentation maps it to a status.
 */
export function unary<Req, Res>(
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    new Promise<Res>((resolve) => resolve(fn(call.request, call))).then(
      (response) => callback(null, response),
      (err: unknown) => callback(err as Error),
    );
  };
}

/** A server stream: the function writes to the call; when it resolves the stream ends with OK. */
export function serverStream<Req, Res>(
  fn: (request: Req, call: ServerWritableStream<Req, Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    fn(call.request, call).then(
      () => {
        if (!call.writableEnded) call.end();
      },
      (err: unknown) => call.emit('error', err),
    );
  };
}

/** A bidirectional stream: the function owns the call; a rejection ends the stream with its status. */
export function bidiStream<Req, Res>(
  fn: (call: ServerDuplexStream<Req, Res>) => Promise<void>,
): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    fn(call).then(
      () => {
        if (!call.writableEnded) call.end();
      },
      (err: unknown) => call.emit('error', err),
    );
  };
}
