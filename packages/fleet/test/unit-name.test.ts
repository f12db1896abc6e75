import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from '../src/unit/glob.js';
import { expandRuntimeSpecifiers } from '../src/unit/runtime-specifiers.js';
import { expandSpecifiers } from '../src/unit/specifiers.js';
import { parseUnitFile } from '../src/unit/unit-file.js';
import { instanceOf, parseUnitName, templateOf, UnitNameError, unitNameProblem } from '../src/unit/unit-name.js';

describe('unit names', () => {
  it('parses plain, template and instance names', () => {
    expect(parseUnitName('web.service')).toMatchObject({
      name: 'web',
      prefix: 'web',
      instance: '',
      type: 'service',
      isTemplate: false,
      isInstance: false,
    });
    expect(parseUnitName('web@.service')).toMatchObject({ prefix: 'web', instance: '', isTemplate: true });
    expect(parseUnitName('db@eu-1.container')).toMatchObject({
      fullName: 'db@eu-1.container',
      name: 'db@eu-1',
      prefix: 'db',
      instance: 'eu-1',
      type: 'container',
      isInstance: true,
    });
  });

  it.each([
    ['', 'unit name cannot be empty'],
    [`${'a'.repeat(250)}.service`, 'unit name exceeds maximum length (256)'],
    ['web', 'unit name must contain "."'],
    ['web.', 'unit name cannot end in "."'],
    ['web.mount', 'invalid unit type: "mount"'],
    ['we b.service', 'invalid character " " in unit name'],
    ['a/b.service', 'invalid character "/" in unit name'],
    ['@x.service', 'unit name cannot start in "@"'],
  ])("refuses %j with fleet's message", (name, message) => {
    expect(unitNameProblem(name)).toBe(message);
    expect(() => parseUnitName(name)).toThrow(UnitNameError);
  });

  it('maps instances to templates and back', () => {
    expect(templateOf('web@1.service')).toBe('web@.service');
    expect(templateOf('web.service')).toBeUndefined();
    expect(instanceOf('web@.service', '7')).toBe('web@7.service');
    expect(() => instanceOf('web.service', '7')).toThrow(/not a template/);
    expect(() => instanceOf('web@.service', 'a b')).toThrow(/invalid character/);
  });

  it('expands %n %N %p %i and %%', () => {
    const unit = parseUnitName('web@3.service');
    expect(expandSpecifiers('%n|%N|%p|%i|%%|%x', unit)).toBe('web@3.service|web@3|web|3|%|%x');
    expect(expandSpecifiers('%p@*.service', unit)).toBe('web@*.service');
  });

  it('expands %m too in the sections a runtime reads, and leaves [X-Fleet] as written', () => {
    const text = [
      '[Container]',
      'Exec=httpd -p 127.0.0.1:80%i -h /www/%p',
      'ContainerName=%N-%m',
      'Environment=LITERAL=100%% %x',
      '[X-Fleet]',
      'Conflicts=%p@*.container %m',
    ].join('\n');
    const file = expandRuntimeSpecifiers(parseUnitFile(text), parseUnitName('web@3.container'), 'abc123');
    expect(file.options.map((o) => `${o.section}.${o.name}=${o.value}`)).toEqual([
      'Container.Exec=httpd -p 127.0.0.1:803 -h /www/web',
      'Container.ContainerName=web@3-abc123',
      'Container.Environment=LITERAL=100% %x',
      'X-Fleet.Conflicts=%p@*.container %m',
    ]);
    expect(file.options.map((o) => o.line)).toEqual([2, 3, 4, 6]);
  });
});

describe('globMatch (Go path.Match)', () => {
  it.each([
    ['web@*.service', 'web@1.service', true],
    ['web@*.service', 'web@.service', true],
    ['web@*.service', 'api@1.service', false],
    ['web?.service', 'web1.service', true],
    ['web?.service', 'web12.service', false],
    ['web[0-9].service', 'web7.service', true],
    ['web[^0-9].service', 'web7.service', false],
    ['web[^0-9].service', 'webx.service', true],
    ['web\\*.service', 'web*.service', true],
    ['web\\*.service', 'web1.service', false],
    ['*', 'a/b', false],
    ['web[.service', 'web[.service', false],
    ['exact.service', 'exact.service', true],
  ])('%j vs %j -> %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });

  it('a literal pattern matches exactly itself (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9@.-]{1,12}$/), fc.stringMatching(/^[a-z0-9@.-]{1,12}$/), (a, b) => {
        expect(globMatch(a, b)).toBe(a === b);
        expect(compileGlob(a)?.test(a)).toBe(true);
      }),
    );
  });
});
