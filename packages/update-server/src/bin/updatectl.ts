#!/usr/bin/env node
// updatectl: the update-server admin client.
import { generateKeyPairSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envOption, parseDuration, parsePositiveInt, runCommand } from '@coreos-ts/grpc-kit';
import { updateserverpb } from '@coreos-ts/proto';
import { buildPayloadFile, loadPrivateKey } from '@coreos-ts/update-engine';
import { credentials } from '@grpc/grpc-js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_APP_ID } from '../model/entities.js';

type Client = InstanceType<typeof updateserverpb.UpdateAdminClient>;
const program = new Command('updatectl').description('Administers an update-server');
program.addOption(
  envOption('UPDATECTL', '--endpoint <addr>', 'update-server admin gRPC address').default('127.0.0.1:8081'),
);
program.addOption(envOption('UPDATECTL', '--app-id <id>', 'application id').default(DEFAULT_APP_ID));
const opts = () => program.opts<{ endpoint: string; appId: string }>();
const client = (): Client => new updateserverpb.UpdateAdminClient(opts().endpoint, credentials.createInsecure());

function call<Res>(fn: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = client();
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a count`);
  return n;
}

function parseBool(text: string): boolean {
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  throw new InvalidArgumentError(`"${text}" is not true or false`);
}

function policyOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--updates-enabled <bool>', 'master switch').argParser(parseBool))
    .addOption(
      new Option('--safe-mode <bool>', 'one machine tries a new version first; a failure halts').argParser(parseBool),
    )
    .addOption(new Option('--max-updates-per-period <n>', 'grants allowed per period').argParser(parsePositiveInt))
    .addOption(new Option('--period-interval <duration>', 'the period, e.g. 1m, 1h').argParser(parseDuration))
    .addOption(new Option('--office-hours <bool>', 'grant only Mon-Fri 09:00-17:00').argParser(parseBool))
    .addOption(new Option('--time-zone <tz>', 'IANA time zone for office hours'))
    .addOption(
      new Option('--update-timeout <duration>', 'an attempt older than this counts as failed').argParser(parseDuration),
    )
    .addOption(new Option('--halt-on-failure <bool>', 'a failed update halts the rollout').argParser(parseBool));
}

interface PolicyFlags {
  updatesEnabled?: boolean;
  safeMode?: boolean;
  maxUpdatesPerPeriod?: number;
  periodInterval?: number;
  officeHours?: boolean;
  timeZone?: string;
  updateTimeout?: number;
  haltOnFailure?: boolean;
}

function policyPatch(f: PolicyFlags): updateserverpb.RolloutPolicyPatch {
  return {
    updatesEnabled: f.updatesEnabled,
    safeMode: f.safeMode,
    maxUpdatesPerPeriod: f.maxUpdatesPerPeriod,
    periodIntervalMs: f.periodInterval === undefined ? undefined : BigInt(Math.round(f.periodInterval)),
    officeHours: f.officeHours,
    timeZone: f.timeZone,
    updateTimeoutMs: f.updateTimeout === undefined ? undefined : BigInt(Math.round(f.updateTimeout)),
    haltOnFailure: f.haltOnFailure,
  };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
}

function printGroup(g: updateserverpb.Group): void {
  const p = g.progress;
  const pol = g.policy;
  process.stdout.write(
    `${g.name}\tid=${g.id}\ttrack=${g.track}\tchannel=${g.channel}\t` +
      `enabled=${pol?.updatesEnabled} safe=${pol?.safeMode} max=${pol?.maxUpdatesPerPeriod}/${Number(pol?.periodIntervalMs ?? 0) / 1000}s ` +
      `halt-on-failure=${pol?.haltOnFailure}\tversion=${p?.version} complete=${p?.complete}/${p?.instances} ` +
      `in-flight=${p?.inFlight} failed=${p?.failed}${p?.paused ? ' PAUSED' : ''}${p?.halted ? ` HALTED (${p.haltReason})` : ''}\n`,
  );
}

program
  .command('keygen')
  .description('generate an Ed25519 signing key pair (PEM)')
  .requiredOption('--out <path>', 'private key file')
  .requiredOption('--public-out <path>', 'public key file')
  .action(async (o: { out: string; publicOut: string }) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(o.out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(o.publicOut, publicKey.export({ type: 'spki', format: 'pem' }));
  });

const pkg = program.command('package').description('signed update packages');
pkg
  .command('create')
  .description('sign an image into a payload and upload it')
  .requiredOption('--file <path>', 'image file')
  .requiredOption('--version <version>', 'version the payload installs')
  .requiredOption('--key <pem>', 'Ed25519 private key (PEM)')
  .action(async (o: { file: string; version: string; key: string }) => {
    const key = loadPrivateKey(await readFile(o.key));
    const dir = await mkdtemp(join(tmpdir(), 'updatectl-'));
    try {
      const payloadPath = join(dir, 'payload');
      await buildPayloadFile(o.file, payloadPath, o.version, key);
      const created = await withClient(
        (c) =>
          new Promise<updateserverpb.Package>((resolve, reject) => {
            const stream = c.uploadPackage((err, res) => (err ? reject(err) : resolve(res)));
            stream.write({ appId: opts().appId, version: o.version, chunk: Buffer.alloc(0) });
            const file = createReadStream(payloadPath, { highWaterMark: 1 << 20 });
            file.on('data', (chunk) => {
              if (!stream.write({ appId: '', version: '', chunk: chunk as Buffer })) {
                file.pause();
                stream.once('drain', () => file.resume());
              }
            });
            file.on('end', () => stream.end());
            file.on('error', reject);
          }),
      );
      print(created);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
pkg
  .command('list')
  .action(() =>
    withClient(async (c) =>
      print(
        (await call<updateserverpb.ListPackagesResponse>((cb) => c.listPackages({ appId: opts().appId }, cb))).packages,
      ),
    ),
  );

const channel = program.command('channel').description('channels point at a package');
channel
  .command('set')
  .requiredOption('--name <name>', 'channel name')
  .requiredOption('--version <version>', "package version ('' = none)")
  .action((o: { name: string; version: string }) =>
    withClient(async (c) =>
      print(
        await call<updateserverpb.Channel>((cb) =>
          c.setChannel({ appId: opts().appId, name: o.name, version: o.version }, cb),
        ),
      ),
    ),
  );
channel
  .command('list')
  .action(() =>
    withClient(async (c) =>
      print(
        (await call<updateserverpb.ListChannelsResponse>((cb) => c.listChannels({ appId: opts().appId }, cb))).channels,
      ),
    ),
  );

const group = program.command('group').description('groups: a channel, a track and a rollout policy');
policyOptions(
  group
    .command('create')
    .requiredOption('--name <name>', 'group name')
    .requiredOption('--track <track>', 'Omaha track (update.conf GROUP) that selects this group')
    .requiredOption('--channel <channel>', 'channel the group follows'),
).action((o: PolicyFlags & { name: string; track: string; channel: string }) =>
  withClient(async (c) =>
    printGroup(
      await call<updateserverpb.Group>((cb) =>
        c.createGroup(
          { appId: opts().appId, name: o.name, track: o.track, channel: o.channel, policy: policyPatch(o) },
          cb,
        ),
      ),
    ),
  ),
);
policyOptions(
  group.command('update').argument('<group>', 'group id or name').option('--channel <channel>', 'channel'),
).action((g: string, o: PolicyFlags & { channel?: string }) =>
  withClient(async (c) =>
    printGroup(
      await call<updateserverpb.Group>((cb) =>
        c.updateGroup({ group: g, channel: o.channel ?? '', policy: policyPatch(o) }, cb),
      ),
    ),
  ),
);
group.command('list').action(() =>
  withClient(async (c) => {
    for (const g of (await call<updateserverpb.ListGroupsResponse>((cb) => c.listGroups({ appId: opts().appId }, cb)))
      .groups)
      printGroup(g);
  }),
);
group
  .command('pause')
  .argument('<group>')
  .action((g: string) =>
    withClient(async (c) => printGroup(await call<updateserverpb.Group>((cb) => c.pauseGroup({ group: g }, cb)))),
  );
group
  .command('resume')
  .argument('<group>')
  .action((g: string) =>
    withClient(async (c) => printGroup(await call<updateserverpb.Group>((cb) => c.resumeGroup({ group: g }, cb)))),
  );

program
  .command('instances')
  .description('list instances with their status')
  .option('--group <group>', 'group id or name', '')
  .action((o: { group: string }) =>
    withClient(async (c) => {
      const res = await call<updateserverpb.ListInstancesResponse>((cb) =>
        c.listInstances({ appId: opts().appId, group: o.group }, cb),
      );
      process.stdout.write(
        'MACHINE                             VERSION     STATUS         TARGET      LAST-ERROR  LAST-CHECK\n',
      );
      for (const i of res.instances) {
        process.stdout.write(
          `${i.machineId.padEnd(36)}${i.version.padEnd(12)}${i.statusName.padEnd(15)}${(i.targetVersion || '-').padEnd(12)}${String(i.lastErrorCode).padEnd(12)}${new Date(Number(i.lastCheckMs)).toISOString()}\n`,
        );
      }
    }),
  );

program
  .command('events')
  .description('event history')
  .option('--machine-id <id>', 'only this instance', '')
  .option('--group <group>', 'only this group', '')
  .option('--limit <n>', 'most recent N', parsePositiveInt, 50)
  .action((o: { machineId: string; group: string; limit: number }) =>
    withClient(async (c) =>
      print(
        (
          await call<updateserverpb.ListEventsResponse>((cb) =>
            c.listEvents({ machineId: o.machineId, group: o.group, limit: o.limit }, cb),
          )
        ).events,
      ),
    ),
  );

program
  .command('watch')
  .description("watch a group's rollout progress")
  .argument('<group>', 'group id or name')
  .option('--until-complete <n>', 'exit once n instances are complete', parseCount)
  .action(
    (g: string, o: { untilComplete?: number }) =>
      new Promise<void>((resolve, reject) => {
        const c = client();
        const stream = c.watchRollout({ group: g });
        stream.on('data', (p: updateserverpb.RolloutProgress) => {
          process.stdout.write(
            `version=${p.version} complete=${p.complete}/${p.instances} in-flight=${p.inFlight} succeeded=${p.succeeded} failed=${p.failed} timed-out=${p.timedOut}${p.paused ? ' PAUSED' : ''}${p.halted ? ` HALTED (${p.haltReason})` : ''}\n`,
          );
          if (o.untilComplete !== undefined && p.complete >= o.untilComplete) {
            stream.cancel();
            c.close();
            resolve();
          }
        });
        stream.on('error', (err: Error & { code?: number }) => {
          c.close();
          if (err.code === 1) resolve();
          else reject(err);
        });
        stream.on('end', () => resolve());
      }),
  );

const app = program.command('app').description('applications');
app
  .command('create')
  .requiredOption('--id <id>', 'application id')
  .requiredOption('--name <name>', 'application name')
  .action((o: { id: string; name: string }) =>
    withClient(async (c) =>
      print(await call<updateserverpb.Application>((cb) => c.createApplication({ id: o.id, name: o.name }, cb))),
    ),
  );
app
  .command('list')
  .action(() =>
    withClient(async (c) =>
      print((await call<updateserverpb.ListApplicationsResponse>((cb) => c.listApplications({}, cb))).applications),
    ),
  );

await runCommand(program);
