import { describe, expect, it } from 'vitest';
import { prefixEnd } from '../src/bytes.js';
import { Crc32c } from '../src/cli/bolt-reader.js';
import { goDuration, goJson, hexId, hexIdSpaced, humanizeBytes, omitEmpty, table } from '../src/cli/go-format.js';
import { parseCompare, parseRequestOp, parseTxn, splitArgs, TxnSyntaxError } from '../src/cli/txn-parse.js';
import { parseEndpoint, validateClientConfig } from '../src/config.js';
import { InvalidArgumentError } from '../src/index.js';

describe('etcdctl output formatting', () => {
  it('humanizes sizes like go-humanize (SI, half to even at .5)', () => {
    expect(humanizeBytes(0)).toBe('0 B');
    expect(humanizeBytes(9)).toBe('9 B');
    expect(humanizeBytes(999)).toBe('999 B');
    expect(humanizeBytes(1500)).toBe('1.5 kB');
    expect(humanizeBytes(20480)).toBe('20 kB');
    expect(humanizeBytes(24576)).toBe('25 kB');
    expect(humanizeBytes(729088)).toBe('729 kB');
    expect(humanizeBytes(2_500_000_000n)).toBe('2.5 GB');
  });

  it('prints durations like Go', () => {
    expect(goDuration(0n)).toBe('0s');
    expect(goDuration(512n)).toBe('512ns');
    expect(goDuration(914_227n)).toBe('914.227µs');
    expect(goDuration(1_499_466n)).toBe('1.499466ms');
    expect(goDuration(1_500_000_000n)).toBe('1.5s');
    expect(goDuration(61_000_000_000n)).toBe('1m1s');
  });

  it('writes 64-bit integers as bare JSON numbers and omits empty fields', () => {
    expect(goJson({ id: 2324035613859228701n, list: [1n] })).toBe('{"id":2324035613859228701,"list":[1]}');
    expect(omitEmpty({ a: 0n, b: '', c: false, d: [], e: 1n, f: 'x' })).toEqual({ e: 1n, f: 'x' });
    expect(hexId(0x2040a213d96fac1bn)).toBe('2040a213d96fac1b');
    expect(hexId(-1n)).toBe('ffffffffffffffff');
    expect(hexIdSpaced(0x48276a8f75b6a87n)).toBe(' 48276a8f75b6a87');
  });

  it('draws tables like tablewriter (centred headers, right-aligned cells)', () => {
    expect(table(['ID', 'STATUS', 'NAME'], [['2e1259d415f2a040', 'started', 'x']])).toBe(
      [
        '+------------------+---------+------+',
        '|        ID        | STATUS  | NAME |',
        '+------------------+---------+------+',
        '| 2e1259d415f2a040 | started |    x |',
        '+------------------+---------+------+',
        '',
      ].join('\n'),
    );
  });

  it('computes CRC-32C (Castagnoli)', () => {
    const crc = new Crc32c();
    crc.update(Buffer.from('123456789'));
    expect(crc.digest()).toBe(0xe3069283);
  });
});

describe('etcdctl txn syntax', () => {
  it('splits arguments with quotes and escapes', () => {
    expect(splitArgs('put k "a b" --prev-kv')).toEqual(['put', 'k', 'a b', '--prev-kv']);
    expect(splitArgs('put k "say \\"hi\\""')).toEqual(['put', 'k', 'say "hi"']);
    expect(() => splitArgs('put k "open')).toThrow(TxnSyntaxError);
  });

  it('parses compares and ops', () => {
    const cmp = parseCompare('mod("k1") > "5"');
    expect(cmp.key.toString()).toBe('k1');
    expect(cmp.modRevision).toBe(5n);
    expect(parseCompare('value("k") != "x y"').value?.toString()).toBe('x y');
    expect(() => parseCompare('nonsense')).toThrow(TxnSyntaxError);
    expect(() => parseCompare('version("k") = "abc"')).toThrow(TxnSyntaxError);
    const put = parseRequestOp('put k v --lease=1f');
    expect(put.requestPut?.lease).toBe(0x1fn);
    const get = parseRequestOp('get a --prefix');
    expect(get.requestRange?.rangeEnd.toString()).toBe('b');
    const txn = parseTxn('version("k") = "0"\n\nput k v\n\nget k\n\n');
    expect([txn.compares.length, txn.success.length, txn.failure.length]).toEqual([1, 1, 1]);
  });
});

describe('client configuration', () => {
  it('validates once, naming the field', () => {
    expect(() => validateClientConfig({ endpoints: [] })).toThrow(/endpoints must list at least one endpoint/);
    expect(() => validateClientConfig({ endpoints: ['a:1'], callTimeoutMs: 0 })).toThrow(/callTimeoutMs \(0\)/);
    expect(() =>
      validateClientConfig({ endpoints: ['a:1'], retryBackoffInitialMs: 100, retryBackoffMaxMs: 10 }),
    ).toThrow(/retryBackoffMaxMs \(10\) must be at least retryBackoffInitialMs \(100\)/);
    expect(() => validateClientConfig({ endpoints: ['a:1'], tls: { certFile: 'c' } })).toThrow(InvalidArgumentError);
    expect(validateClientConfig({ endpoints: ['a:1'] }).callTimeoutMs).toBe(5_000);
  });

  it('parses endpoints and prefix ends', () => {
    expect(parseEndpoint('https://10.0.0.1:2379')).toEqual({ target: '10.0.0.1:2379', secure: true });
    expect(parseEndpoint('127.0.0.1:2379')).toEqual({ target: '127.0.0.1:2379', secure: false });
    expect(() => parseEndpoint('unix:///tmp/s')).toThrow(InvalidArgumentError);
    expect(prefixEnd(Buffer.from('ab'))).toEqual(Buffer.from('ac'));
    expect(prefixEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from('b'));
    expect(prefixEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });
});
