import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseUnitFile,
  serializeUnitFile,
  UnitParseError,
  unitSections,
  unitValue,
  unitValues,
} from '../src/unit/unit-file.js';
import { unitHash } from '../src/unit/unit-hash.js';
import { splitWords, WordSplitError } from '../src/unit/words.js';

describe('parseUnitFile', () => {
  it('reads sections, keys in order, comments and blank lines', () => {
    const file = parseUnitFile(
      [
        '# a comment',
        '; another',
        '[Unit]',
        'Description=Web server',
        '',
        '[Service]',
        'Environment=A=1',
        'Environment="B=2 3"',
        '  ExecStart = /bin/web --port 80  ',
        '[X-Fleet]',
        'Conflicts=web@*.service',
      ].join('\n'),
    );
    expect(unitSections(file)).toEqual(['Unit', 'Service', 'X-Fleet']);
    expect(unitValues(file, 'Service', 'Environment')).toEqual(['A=1', '"B=2 3"']);
    expect(unitValue(file, 'Service', 'ExecStart')).toBe('/bin/web --port 80');
    expect(file.options.map((o) => o.line)).toEqual([4, 7, 8, 9, 11]);
  });

  it('joins continuation lines and drops comments inside them', () => {
    const file = parseUnitFile(
      ['[Service]', 'ExecStart=/bin/sh -c \\', '# skipped', '  "echo hi"', 'User=core'].join('\n'),
    );
    expect(unitValue(file, 'Service', 'ExecStart')).toBe('/bin/sh -c    "echo hi"');
    expect(file.options[0]?.line).toBe(2);
    expect(file.options[1]).toMatchObject({ name: 'User', line: 5 });
  });

  it('an empty assignment resets the list', () => {
    const file = parseUnitFile('[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n');
    expect(unitValues(file, 'Service', 'Environment')).toEqual(['B=2']);
    expect(unitValue(parseUnitFile('[S]\nX=1\nX=\n'), 'S', 'X')).toBeUndefined();
  });

  it.each([
    ['[Service\nA=1', 1, 'invalid section header'],
    ['A=1', 1, 'assignment outside of a section'],
    ['[Unit]\n\nno equals sign', 3, "missing '='"],
    ['[Unit]\nbad key=1', 2, 'invalid key'],
    ['[Unit]\n=1', 2, 'invalid key'],
  ])('refuses %j at line %i', (text, line, reason) => {
    try {
      parseUnitFile(text);
      expect.unreachable('parse should fail');
    } catch (err) {
      expect(err).toBeInstanceOf(UnitParseError);
      expect((err as UnitParseError).line).toBe(line);
      expect((err as UnitParseError).message).toContain(`line ${line}: ${reason}`);
    }
  });

  it('enforces its bounds', () => {
    const limits = { fileBytesMax: 100, lineBytesMax: 20, optionsMax: 2 };
    expect(() => parseUnitFile('[A]\nX=1\nY=2\nZ=3', limits)).toThrow(/more than 2 options/);
    expect(() => parseUnitFile(`[A]\nX=${'a'.repeat(30)}`, limits)).toThrow(/line 2: line longer than 20/);
    expect(() => parseUnitFile('x'.repeat(101), limits)).toThrow(/larger than 100 bytes/);
  });

  it('round-trips through serializeUnitFile (property)', () => {
    const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/);
    const value = fc.stringMatching(/^[^\s\\#;][^\n\r\\]{0,20}[^\s\\]$|^$/);
    const section = fc.constantFrom('Unit', 'Service', 'X-Fleet', 'Container');
    fc.assert(
      fc.property(fc.array(fc.record({ section, name: key, value }), { maxLength: 20 }), (opts) => {
        const text = serializeUnitFile({ options: opts.map((o) => ({ ...o, line: 0 })) });
        const back = parseUnitFile(text);
        const strip = (os: readonly { section: string; name: string; value: string }[]) =>
          os.map(({ section, name, value }) => ({ section, name, value }));
        // serialization groups options by section; within a section the order is kept
        const grouped = unitSections({ options: opts.map((o) => ({ ...o, line: 0 })) }).flatMap((s) =>
          opts.filter((o) => o.section === s),
        );
        expect(strip(back.options)).toEqual(strip(grouped));
      }),
    );
  });
});

describe('splitWords', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['"region=us east" diskType=SSD', ['region=us east', 'diskType=SSD']],
    ["a='b c'd", ['a=b cd']],
    ['x\\ y \\"q\\"', ['x y', '"q"']],
    ['tab\\there', ['tab\there']],
    ['""', ['']],
    ['   ', []],
  ])('splits %j', (input, words) => {
    expect(splitWords(input)).toEqual(words);
  });

  it('refuses unterminated quotes and trailing backslashes', () => {
    expect(() => splitWords('"abc')).toThrow(WordSplitError);
    expect(() => splitWords('abc\\')).toThrow(/trailing backslash/);
  });
});

describe('unitHash', () => {
  it('is the SHA-1 of the serialized options: layout and comments do not matter, content does', () => {
    const a = parseUnitFile('[Service]\nExecStart=/bin/web\n');
    const b = parseUnitFile('# web\n[Service]\n  ExecStart = /bin/web  \n\n');
    const c = parseUnitFile('[Service]\nExecStart=/bin/web2\n');
    expect(unitHash(a)).toMatch(/^[0-9a-f]{40}$/);
    expect(unitHash(b)).toBe(unitHash(a));
    expect(unitHash(c)).not.toBe(unitHash(a));
    // printf '[Service]\nExecStart=/bin/web\n' | sha1sum
    expect(unitHash(a)).toBe('91fedf94fc53008fc0aaced7445df2cbf4f33725');
  });
});
