import { toDomainError } from '../server/error-table.js';

/** Wraps a handler so that kv's domain errors leave it as DomainErrors with etcd's messages. */
export function mapErrors<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toDomainError(err);
    }
  };
}
