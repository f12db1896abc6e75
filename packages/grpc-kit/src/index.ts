export { DomainError, type ErrorKind, GENERIC_INTERNAL_MESSAGE, kindOfStatus, toServiceError } from './errors.js';
export { envName, envOption, parseDuration, parseList, parsePositiveInt, runCommand } from './flags.js';
export { bidiStream, serverStream, unary } from './handlers.js';
export { createHealthService, type HealthRegistry, type HealthState } from './health.js';
export { type HttpEndpoint, type HttpRoute, startHttpEndpoint } from './http-endpoint.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel, silentLogger } from './logger.js';
export { createMetrics, type GrpcMetrics } from './metrics.js';
export { type RunningServer, type ServerOptions, type ServiceBinding, startServer } from './server.js';
export {
  type ClientTlsFiles,
  clientCredentials,
  type ServerTlsFiles,
  serverCredentials,
  TlsConfigError,
} from './tls.js';
