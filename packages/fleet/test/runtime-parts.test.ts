import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseContainerConfig } from '../src/runtime/container-config.js';
import { decodeLogLines, LogFrameDecoder } from '../src/runtime/docker/log-frames.js';
import { parseProcStat } from '../src/runtime/process/proc-stat.js';
import { parseTimeSpanMs, restartDelayMs, shouldRestart } from '../src/runtime/restart-policy.js';
import { RingLog } from '../src/runtime/ring-log.js';
import { parseEnvironmentFile, parseServiceConfig, RuntimeConfigError } from '../src/runtime/service-config.js';
import { parseUnitFile } from '../src/unit/unit-file.js';

describe('RingLog', () => {
  it('keeps whole lines, holds back a partial one, and tells listeners', () => {
    const log = new RingLog({ linesMax: 3, bytesMax: 100 });
    const heard: string[] = [];
    log.subscribe((line) => heard.push(line));
    log.write('a\nb');
    expect(log.tail(10)).toEqual(['a']);
    log.write('c\nd\ne\nf\n');
    expect(log.tail(10)).toEqual(['d', 'e', 'f']);
    expect(log.tail(2)).toEqual(['e', 'f']);
    expect(heard).toEqual(['a', 'bc', 'd', 'e', 'f']);
  });

  it('never exceeds its line and byte bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.string({ maxLength: 60 }), { maxLength: 40 }),
        (linesMax, bytesMax, chunks) => {
          const log = new RingLog({ linesMax, bytesMax });
          for (const chunk of chunks) log.write(chunk);
          const { lines, bytes } = log.size;
          expect(lines).toBeLessThanOrEqual(linesMax);
          expect(bytes).toBeLessThanOrEqual(bytesMax);
          expect(log.tail(linesMax).join('').length).toBe(bytes);
        },
      ),
    );
  });
});

describe('restart policy', () => {
  it.each([
    ['no', 1, null, false],
    ['no', 0, null, false],
    ['always', 0, null, true],
    ['on-failure', 0, null, false],
    ['on-failure', 2, null, true],
    ['on-failure', null, 'SIGKILL', true],
  ] as const)('Restart=%s after code %s signal %s -> %s', (policy, code, signal, expected) => {
    expect(shouldRestart(policy, { code, signal })).toBe(expected);
  });

  it('doubles the delay per attempt up to the cap, with a floor', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelayMs(1000, n, 10_000))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(restartDelayMs(0, 1, 10_000)).toBe(100);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 600_000 }),
        (sec, n, cap) => {
          const d = restartDelayMs(sec, n, cap);
          expect(d).toBeGreaterThanOrEqual(Math.min(Math.max(sec, 100), Math.max(cap, 100)));
          expect(d).toBeLessThanOrEqual(Math.max(cap, sec, 100));
          expect(restartDelayMs(sec, n + 1, cap)).toBeGreaterThanOrEqual(d);
        },
      ),
    );
  });

  it.each([
    ['5', 5000],
    ['500ms', 500],
    ['1min 30s', 90_000],
    ['2.5s', 2500],
    ['1h', 3_600_000],
    ['infinity', Number.POSITIVE_INFINITY],
    ['soon', undefined],
    ['5 parsecs', undefined],
    ['', undefined],
  ])('time span %j -> %s', (text, ms) => {
    expect(parseTimeSpanMs(text)).toBe(ms);
  });
});

describe('[Service] config', () => {
  it('reads commands with prefixes and quoting, environment, restart and timeouts', () => {
    const config = parseServiceConfig(
      parseUnitFile(
        [
          '[Service]',
          'ExecStartPre=-/bin/mkdir -p "/tmp/a b"',
          "ExecStart=/bin/sh -c 'echo $X'",
          'ExecStop=/bin/kill -TERM $MAINPID',
          'Environment=A=1 "B=two words"',
          'Environment=C=3',
          'EnvironmentFile=-/etc/web.env',
          'WorkingDirectory=/srv',
          'Restart=on-failure',
          'RestartSec=2',
          'TimeoutStopSec=1min',
        ].join('\n'),
      ),
    );
    expect(config).toEqual({
      execStartPre: [{ argv: ['/bin/mkdir', '-p', '/tmp/a b'], ignoreFailure: true }],
      execStart: { argv: ['/bin/sh', '-c', 'echo $X'], ignoreFailure: false },
      execStop: [{ argv: ['/bin/kill', '-TERM', '$MAINPID'], ignoreFailure: false }],
      environment: [
        ['A', '1'],
        ['B', 'two words'],
        ['C', '3'],
      ],
      environmentFiles: [{ path: '/etc/web.env', optional: true }],
      workingDirectory: '/srv',
      restart: 'on-failure',
      restartSecMs: 2000,
      timeoutStopMs: 60_000,
    });
  });

  it.each([
    ['[Service]\nUser=core', '[Service] has no ExecStart='],
    ['[Service]\nExecStart=/a\nExecStart=/b', 'line 3: more than one ExecStart='],
    ['[Service]\nExecStart=/a\nRestart=on-abort', 'line 3: unsupported Restart=on-abort'],
    ['[Service]\nExecStart=/a\nRestartSec=soon', 'line 3: invalid time span RestartSec=soon'],
    ['[Service]\nExecStart=/a\nEnvironment=NOVALUE', 'line 3: invalid environment assignment "NOVALUE"'],
    ["[Service]\nExecStart=/bin/sh -c 'unterminated", 'line 2: ExecStart=: unterminated'],
  ])('refuses %j', (text, message) => {
    expect(() => parseServiceConfig(parseUnitFile(text))).toThrow(RuntimeConfigError);
    expect(() => parseServiceConfig(parseUnitFile(text))).toThrow(message);
  });

  it('an empty ExecStart= resets it', () => {
    const config = parseServiceConfig(parseUnitFile('[Service]\nExecStart=/a\nExecStart=\nExecStart=/b'));
    expect(config.execStart.argv).toEqual(['/b']);
  });

  it('reads EnvironmentFile syntax', () => {
    expect(parseEnvironmentFile('# c\n; c\nA=1\n B = "two words" \nC=\'x\'\nbroken\n=v\n')).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'x'],
    ]);
  });
});

describe('[Container] config', () => {
  it('reads the Quadlet keys', () => {
    const config = parseContainerConfig(
      'db@eu.container',
      parseUnitFile(
        [
          '[Container]',
          'Image=coreos-ts/busybox:test',
          "Exec=sh -c 'httpd -f'",
          'Environment=A=1',
          'Volume=/srv/data:/data:ro',
          'PublishPort=80:80',
          '[Service]',
          'Restart=always',
          'TimeoutStopSec=3',
        ].join('\n'),
      ),
    );
    expect(config).toEqual({
      image: 'coreos-ts/busybox:test',
      exec: ['sh', '-c', 'httpd -f'],
      environment: [['A', '1']],
      volumes: ['/srv/data:/data:ro'],
      network: 'host',
      containerName: 'systemd-db_eu',
      ignoredPublishPorts: ['80:80'],
      restart: 'always',
      timeoutStopMs: 3000,
    });
    const named = parseContainerConfig(
      'x.container',
      parseUnitFile('[Container]\nImage=i\nContainerName=mine\nNetwork=none'),
    );
    expect([named.containerName, named.network, named.exec]).toEqual(['mine', 'none', []]);
  });

  it.each([
    ['[Container]\nExec=sh', '[Container] has no Image='],
    ['[Container]\nImage=i\nNetwork=bridge', 'line 3: unsupported Network=bridge'],
    ['[Container]\nImage=i\nVolume=/data', 'line 3: Volume=/data: want host-path:container-path'],
  ])('refuses %j', (text, message) => {
    expect(() => parseContainerConfig('x.container', parseUnitFile(text))).toThrow(message);
  });
});

describe('/proc/<pid>/stat', () => {
  it('parses state, process group and start time, even with odd command names', () => {
    const fields = [
      'S',
      '1',
      '4242',
      '4242',
      '0',
      '-1',
      '4194560',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '20',
      '0',
      '1',
      '0',
      '987654',
      '1000',
    ];
    expect(parseProcStat(`4242 (my (odd) cmd) ${fields.join(' ')}`)).toEqual({
      state: 'S',
      pgrp: 4242,
      startTime: '987654',
    });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('docker log frames', () => {
  function frame(stream: number, text: string): Buffer {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  }

  it('reassembles frames split anywhere (property)', () => {
    const whole = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\npart'), frame(1, 'ial\n')]);
    expect(decodeLogLines(whole)).toEqual(['out-1', 'err-1', 'out-2', 'partial']);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new LogFrameDecoder();
        const out: Buffer[] = [];
        let from = 0;
        for (const at of [...points, whole.length]) {
          out.push(...decoder.push(whole.subarray(from, at)));
          from = at;
        }
        expect(Buffer.concat(out).toString()).toBe('out-1\nerr-1\nout-2\npartial\n');
      }),
    );
  });
});
