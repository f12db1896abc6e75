// grpc-js sets the TLS server name to the endpoint's host even when it is an IP address, and
// Node warns about that (DEP0123) on every TLS connection; the warning says nothing to an operator
// of locksmithctl / locksmithd, so exactly that one is dropped. Every other warning still prints.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0123') return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
