// Regenerates src/gen from ../../proto with buf + ts-proto.
// `--check` regenerates into a temp dir and fails when the committed code differs.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoRoot = join(pkg, '..', '..', 'proto');
const genDir = join(pkg, 'src', 'gen');
const check = process.argv.includes('--check');

const options = [
  'outputServices=grpc-js',
  'forceLong=bigint',
  'env=node',
  'esModuleInterop=true',
  'importSuffix=.js',
  'useDate=false',
  'outputJsonMethods=false',
  'outputPartialMethods=true',
  'useExactTypes=false',
  'exportCommonSymbols=false',
].join(',');

function generate(outDir) {
  const template = {
    version: 'v2',
    plugins: [
      { local: join(pkg, 'node_modules', '.bin', 'protoc-gen-ts_proto'), out: outDir, opt: options.split(',') },
    ],
  };
  execFileSync(join(pkg, 'node_modules', '.bin', 'buf'), ['generate', '--template', JSON.stringify(template)], {
    cwd: protoRoot,
    stdio: 'inherit',
  });
  for (const file of walk(outDir)) {
    // generated code is checked by its generator, not by our stricter compiler flags
    const text = readFileSync(file, 'utf8');
    if (!text.startsWith('// @ts-nocheck')) writeFileSync(file, `// @ts-nocheck\n${text}`);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), 'proto-gen-'));
  try {
    generate(tmp);
    const fresh = walk(tmp)
      .map((f) => relative(tmp, f))
      .sort();
    const committed = walk(genDir)
      .map((f) => relative(genDir, f))
      .sort();
    const differs =
      fresh.join('\n') !== committed.join('\n') ||
      fresh.some((f) => readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(genDir, f), 'utf8'));
    if (differs) {
      console.error('packages/proto/src/gen is stale: run `pnpm gen` and commit the result');
      process.exit(1);
    }
    console.log('packages/proto/src/gen is up to date');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  rmSync(genDir, { recursive: true, force: true });
  const tmp = mkdtempSync(join(tmpdir(), 'proto-gen-'));
  generate(tmp);
  cpSync(tmp, genDir, { recursive: true });
  rmSync(tmp, { recursive: true, force: true });
}
