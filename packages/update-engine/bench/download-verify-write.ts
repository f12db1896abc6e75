// Benchmark: download + verify + slot write of a payload over loopback, against plain `cp`.
// Run: node --import tsx bench/download-verify-write.ts [MiB]   (default 256)
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeSlot } from '../src/boot/slot-writer.js';
import { downloadPayload } from '../src/engine/downloader.js';
import { buildPayloadFile, verifyPayloadFile } from '../src/payload/payload-file.js';

const mib = Number(process.argv[2] ?? 256);
const dir = await mkdtemp(join(tmpdir(), 'ue-bench-'));
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

try {
  const imagePath = join(dir, 'image');
  const fh = await open(imagePath, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) await fh.write(block);
  await fh.close();
  const keys = generateKeyPairSync('ed25519');
  const payloadPath = join(dir, 'payload');
  const built = await buildPayloadFile(imagePath, payloadPath, '2.0.0', keys.privateKey);

  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': built.sizeBytes });
    void pipeline(createReadStream(payloadPath, { highWaterMark: 1 << 20 }), res).catch(() => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/payload`;

  const slotPath = join(dir, 'slot');
  execFileSync('truncate', ['-s', String(built.sizeBytes + (1 << 20)), slotPath]);
  const staging = join(dir, 'staging');

  const t0 = process.hrtime.bigint();
  await downloadPayload([url], staging, built.sizeBytes, { resumeMax: 0 });
  const tDownload = ms(t0);
  const t1 = process.hrtime.bigint();
  await verifyPayloadFile(staging, built, keys.publicKey);
  const tVerify = ms(t1);
  const t2 = process.hrtime.bigint();
  await writeSlot({ path: slotPath, offset: 0, sizeBytes: built.sizeBytes + (1 << 20) }, staging, built.sha256Base64);
  const tWrite = ms(t2);
  const total = tDownload + tVerify + tWrite;
  server.close();

  const cpTarget = join(dir, 'cp-copy');
  const t3 = process.hrtime.bigint();
  execFileSync('cp', [payloadPath, cpTarget]);
  execFileSync('sync', [cpTarget]);
  const tCp = ms(t3);
  const cpHash = createHash('sha256');
  for await (const c of createReadStream(cpTarget)) cpHash.update(c as Buffer);
  if (cpHash.digest('base64') !== built.sha256Base64) throw new Error('cp copy differs');

  const size = (await stat(payloadPath)).size / (1 << 20);
  const rate = (t: number) => `${(size / (t / 1000)).toFixed(0)} MiB/s`;
  console.log(`payload ${size.toFixed(1)} MiB`);
  console.log(`download (loopback HTTP)      ${tDownload.toFixed(0)} ms  ${rate(tDownload)}`);
  console.log(`verify (size+sha256+ed25519)  ${tVerify.toFixed(0)} ms  ${rate(tVerify)}`);
  console.log(`slot write + fsync + readback ${tWrite.toFixed(0)} ms  ${rate(tWrite)}`);
  console.log(`total                         ${total.toFixed(0)} ms  ${rate(total)}`);
  console.log(
    `cp + sync                     ${tCp.toFixed(0)} ms  ${rate(tCp)}  (total / cp = ${(total / tCp).toFixed(1)}x)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
