// A load worker process: forked by runLoad, it prepares its share of the clients, says ready,
// runs on `go`, sends its measurement and exits.

import { type PreparedLoad, prepareLoad } from './run-clients.js';
import type { FromWorker, ToWorker } from './run-load.js';

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()));
}

let prepared: PreparedLoad | undefined;
process.on('message', (message: ToWorker) => {
  const step = async () => {
    if (message.type === 'prepare') {
      prepared = await prepareLoad(message.spec, message.firstRequest);
      await send({ type: 'ready' });
      return;
    }
    if (!prepared) throw new Error('go before prepare');
    const measurement = await prepared.go();
    prepared.close();
    await send({ type: 'done', measurement });
    process.exit(0);
  };
  step().catch(async (err: Error) => {
    await send({ type: 'failed', message: err.message });
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
