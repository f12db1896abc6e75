#!/usr/bin/env node
// update-engine-client: talks to a running update-engine over gRPC.
import { envOption, runCommand } from '@coreos-ts/grpc-kit';
import { updateenginepb } from '@coreos-ts/proto';
import { credentials } from '@grpc/grpc-js';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';

const P = 'UPDATE_ENGINE_CLIENT';
type Client = InstanceType<typeof updateenginepb.UpdateEngineClient>;

function client(endpoint: string): Client {
  return new updateenginepb.UpdateEngineClient(endpoint, credentials.createInsecure());
}

function call<Res>(fn: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn((err, res) => (err ? reject(err) : resolve(res)));
  });
}

function printStatus(s: updateenginepb.StatusResponse): void {
  const lines = [
    `LAST_CHECKED_TIME=${Math.floor(Number(s.lastCheckedTimeMs) / 1000)}`,
    `PROGRESS=${s.progress.toFixed(6)}`,
    `CURRENT_OP=${s.currentOperationName}`,
    `NEW_VERSION=${s.newVersion || '0.0.0'}`,
    `NEW_SIZE=${s.newSize}`,
    `RUNNING_VERSION=${s.runningVersion}`,
  ];
  if (s.lastErrorCode !== 0)
    lines.push(`LAST_ERROR_CODE=${s.lastErrorCode} (${s.lastErrorCodeName})`, `LAST_ERROR=${s.lastError}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const TERMINAL = new Set([
  updateenginepb.UpdateStatus.UPDATE_STATUS_IDLE,
  updateenginepb.UpdateStatus.UPDATE_STATUS_UPDATED_NEED_REBOOT,
]);

/** Follows the status stream until the attempt settles, with a progress bar while downloading. */
async function follow(c: Client, untilDone: boolean): Promise<updateenginepb.StatusResponse | undefined> {
  const stream = c.watchStatus({});
  const bar = new SingleBar({ format: 'downloading [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true });
  let barActive = false;
  let last: updateenginepb.StatusResponse | undefined;
  let first = true;
  try {
    for await (const msg of stream as AsyncIterable<updateenginepb.StatusResponse>) {
      last = msg;
      const downloading = msg.currentOperation === updateenginepb.UpdateStatus.UPDATE_STATUS_DOWNLOADING;
      if (downloading) {
        const total = Number(msg.newSize);
        if (!barActive) {
          bar.start(total, 0);
          barActive = true;
        }
        bar.update(Math.round(msg.progress * total));
        continue;
      }
      if (barActive) {
        bar.update(Number(msg.newSize));
        bar.stop();
        barActive = false;
      }
      if (!untilDone) process.stdout.write(`${msg.currentOperationName} ${msg.newVersion}\n`);
      if (untilDone && !first && TERMINAL.has(msg.currentOperation)) break;
      first = false;
    }
  } finally {
    if (barActive) bar.stop();
    stream.cancel();
  }
  return last;
}

const program = new Command('update-engine-client').description('Controls a running update-engine');
program.addOption(envOption(P, '--endpoint <addr>', 'update-engine gRPC address').default('127.0.0.1:7070'));
const endpoint = () => program.opts<{ endpoint: string }>().endpoint;

program
  .command('check')
  .description('check for an update now (AttemptUpdate); waits for the outcome unless --no-wait')
  .option('--no-wait', 'return right after starting the check')
  .action(async (opts: { wait: boolean }) => {
    const c = client(endpoint());
    const watching = opts.wait ? follow(c, true) : Promise.resolve(undefined);
    const res = await call<updateenginepb.AttemptUpdateResponse>((cb) => c.attemptUpdate({ interactive: true }, cb));
    if (!res.started) {
      process.stdout.write(`not started: ${res.status?.currentOperationName ?? ''}\n`);
      c.close();
      return;
    }
    const last = await watching;
    if (last !== undefined) printStatus(last);
    c.close();
    if (
      last !== undefined &&
      last.lastErrorCode !== 0 &&
      last.currentOperation === updateenginepb.UpdateStatus.UPDATE_STATUS_IDLE
    )
      process.exitCode = 1;
  });

program
  .command('status')
  .description('print the current status')
  .action(async () => {
    const c = client(endpoint());
    printStatus(await call<updateenginepb.StatusResponse>((cb) => c.getStatus({}, cb)));
    c.close();
  });

program
  .command('watch')
  .description('print every status change (with a progress bar while downloading)')
  .action(async () => {
    await follow(client(endpoint()), false);
  });

program
  .command('reset')
  .description('reset the status (allowed in IDLE and UPDATED_NEED_REBOOT)')
  .action(async () => {
    const c = client(endpoint());
    const res = await call<updateenginepb.ResetStatusResponse>((cb) => c.resetStatus({}, cb));
    if (res.status !== undefined) printStatus(res.status);
    c.close();
  });

program
  .command('boot-info')
  .description('print the slots, their versions and gptprio flags')
  .action(async () => {
    const c = client(endpoint());
    const info = await call<updateenginepb.BootInfo>((cb) => c.getBootInfo({}, cb));
    process.stdout.write(
      `BOOT_CONTROL=${info.bootControl}\nBOOTED_SLOT=${info.bootedSlot}\nRUNNING_VERSION=${info.runningVersion}\n`,
    );
    if (info.pendingVersion !== '') process.stdout.write(`PENDING_VERSION=${info.pendingVersion}\n`);
    process.stdout.write('SLOT  LABEL   VERSION       PRIORITY  TRIES  SUCCESSFUL  BOOTED\n');
    for (const s of info.slots) {
      process.stdout.write(
        `${s.name.padEnd(6)}${s.label.padEnd(8)}${(s.version || '-').padEnd(14)}${String(s.priority).padEnd(10)}${String(s.tries).padEnd(7)}${String(s.successful ? 1 : 0).padEnd(12)}${s.booted ? '*' : ''}\n`,
      );
    }
    c.close();
  });

await runCommand(program);
