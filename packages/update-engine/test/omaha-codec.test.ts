import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOmahaRequest, encodeOmahaRequest, type OmahaRequest } from '../src/omaha/omaha-request.js';
import {
  decodeOmahaResponse,
  encodeOmahaResponse,
  interpretUpdateCheck,
  type OmahaResponse,
} from '../src/omaha/omaha-response.js';
import { OmahaXmlError } from '../src/omaha/omaha-xml.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/omaha/${name}`, import.meta.url), 'utf8');
const APPID = '{e96281a6-d1af-4bde-9a0a-97b76e56dc57}';

describe('Omaha request codec', () => {
  it('decodes the update_engine request sample', () => {
    const req = decodeOmahaRequest(fixture('request-updatecheck.xml'));
    expect(req.installSource).toBe('scheduler');
    expect(req.updaterVersion).toBe('update_engine-0.4.10');
    expect(req.os).toEqual({ version: 'Chateau', platform: 'CoreOS', sp: '3602.2.3_x86_64' });
    const app = req.apps[0]!;
    expect(app).toMatchObject({
      appId: APPID,
      version: '3602.2.3',
      track: 'stable',
      machineId: 'dbff85b41ae14f41bde761eefbdafaac',
      bootId: '{0c288430-2504-4db4-913a-8c3de52afd07}',
      oem: 'vmware',
      board: 'amd64-usr',
      alephVersion: '2905.2.3',
      ping: true,
      updateCheck: true,
    });
    expect(app.events).toEqual([{ type: 3, result: 2, previousVersion: '' }]);
  });

  it('decodes an error event and a Chromium-style request', () => {
    expect(decodeOmahaRequest(fixture('request-error-event.xml')).apps[0]!.events).toEqual([
      { type: 3, result: 0, errorCode: 44 },
    ]);
    const chromium = decodeOmahaRequest(fixture('request-chromium-style.xml')).apps[0]!;
    expect(chromium.ping && chromium.updateCheck).toBe(true);
  });

  it('encodes what it decodes, in update_engine layout', () => {
    const req = decodeOmahaRequest(fixture('request-updatecheck.xml'));
    const xml = encodeOmahaRequest(req);
    expect(xml).toContain('<request protocol="3.0" version="update_engine-0.4.10"');
    expect(xml).toContain('<ping active="1"></ping>');
    expect(xml).toContain('<event eventtype="3" eventresult="2" previousversion=""></event>');
    expect(decodeOmahaRequest(xml)).toEqual({ ...req });
  });

  it('round-trips arbitrary requests', () => {
    // printable text including the XML specials the encoder must escape
    const text = fc.stringMatching(/^[A-Za-z0-9 .{}_&<>"'=/-]{0,20}$/);
    const eventArb = fc.record(
      { type: fc.nat(1000), result: fc.nat(10), errorCode: fc.nat(3000), previousVersion: text },
      { requiredKeys: ['type', 'result'] },
    );
    const appArb = fc.record({
      appId: text,
      version: text,
      track: text,
      machineId: text,
      bootId: text,
      oem: text,
      board: text,
      alephVersion: text,
      ping: fc.boolean(),
      updateCheck: fc.boolean(),
      events: fc.array(eventArb, { maxLength: 3 }),
    });
    const reqArb = fc.record({
      updaterVersion: text,
      installSource: fc.constantFrom('scheduler' as const, 'ondemandupdate' as const),
      os: fc.record({ version: text, platform: text, sp: text }),
      apps: fc.array(appArb, { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(reqArb, (req) => {
        expect(decodeOmahaRequest(encodeOmahaRequest(req as OmahaRequest))).toEqual(req);
      }),
    );
  });

  it('rejects malformed documents and wrong protocols', () => {
    expect(() => decodeOmahaRequest('<request protocol="3.0"><app')).toThrow(OmahaXmlError);
    expect(() => decodeOmahaRequest('<request protocol="2.0"><app appid="x"/></request>')).toThrow(/protocol/);
    expect(() => decodeOmahaRequest('<request protocol="3.0"></request>')).toThrow(/no <app>/);
    expect(() => decodeOmahaRequest('')).toThrow(/empty/);
    expect(() =>
      decodeOmahaRequest(
        '<request protocol="3.0"><app appid="x"><event eventtype="a" eventresult="1"/></app></request>',
      ),
    ).toThrow(/integer/);
  });
});

describe('Omaha response codec', () => {
  it('interprets the update_engine unit-test template', () => {
    const out = interpretUpdateCheck(decodeOmahaResponse(fixture('response-ok-unittest.xml')), APPID);
    expect(out).toEqual({
      kind: 'update',
      update: {
        version: '2.0.0',
        urls: ['http://example.invalid/payloads/update.gz'],
        packageName: 'update.gz',
        sizeBytes: 12345,
        sha256Base64: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
      },
    });
  });

  it('interprets the CoreOS sample and a Nebraska response', () => {
    const sample = interpretUpdateCheck(decodeOmahaResponse(fixture('response-ok-sample.xml')), APPID);
    expect(sample.kind === 'update' && sample.update.sizeBytes).toBe(400752559);
    expect(sample.kind === 'update' && sample.update.urls[0]).toMatch(/3095\.0\.0\/update\.gz$/);
    const neb = decodeOmahaResponse(fixture('response-nebraska.xml'));
    expect(neb.server).toBe('nebraska');
    expect(neb.apps[0]!.eventCount).toBe(1);
    const out = interpretUpdateCheck(neb, APPID);
    expect(out.kind === 'update' && out.update.version).toBe('3815.2.0');
    expect(interpretUpdateCheck(decodeOmahaResponse(fixture('response-noupdate.xml')), APPID).kind).toBe('no-update');
  });

  it('rejects malformed XML and invalid updatechecks', () => {
    expect(() => decodeOmahaResponse(fixture('response-malformed.xml'))).toThrow(OmahaXmlError);
    const bad = (status: string, body = '') =>
      interpretUpdateCheck(
        decodeOmahaResponse(
          `<response protocol="3.0"><app appid="${APPID}" status="ok"><updatecheck status="${status}">${body}</updatecheck></app></response>`,
        ),
        APPID,
      );
    expect(bad('error-internal')).toMatchObject({ kind: 'invalid', errorCode: 34 });
    expect(bad('ok')).toMatchObject({ kind: 'invalid', errorCode: 34 });
    expect(
      bad(
        'ok',
        '<urls><url codebase="http://x/"/></urls><manifest version="1"><packages><package name="p" size="0"/></packages></manifest>',
      ),
    ).toMatchObject({ kind: 'invalid', message: 'package size must be > 0' });
    expect(
      bad(
        'ok',
        '<urls><url codebase="http://x/"/></urls><manifest version="1"><packages><package name="p" size="3"/></packages></manifest>',
      ),
    ).toMatchObject({ kind: 'invalid', message: 'postinstall action lacks sha256' });
  });

  it('encodes responses that decode back to the same update', () => {
    const res: OmahaResponse = {
      server: 'coreos-ts',
      dayStartElapsedSeconds: 10,
      apps: [
        {
          appId: APPID,
          status: 'ok',
          ping: true,
          eventCount: 2,
          updateCheck: {
            status: 'ok',
            urls: ['http://127.0.0.1:1/v1/packages/'],
            manifest: {
              version: '2.0.0',
              packages: [{ name: 'pkg-1.payload', sizeBytes: 42, hash: 'x', required: true }],
              actions: [{ event: 'postinstall', sha256: 'abc=', disablePayloadBackoff: true }],
            },
          },
        },
      ],
    };
    const xml = encodeOmahaResponse(res);
    expect(decodeOmahaResponse(xml)).toEqual(res);
    expect(xml).toContain('<action event="postinstall" sha256="abc=" DisablePayloadBackoff="true"/>');
  });
});

describe('Omaha decoders on hostile input', () => {
  const fragments = fc.constantFrom(
    '<request protocol="3.0">',
    '</request>',
    '<response protocol="3.0">',
    '</response>',
    '<app appid="x" version="1" machineid="m">',
    '</app>',
    '<app/>',
    '<updatecheck status="ok">',
    '</updatecheck>',
    '<event eventtype="3" eventresult="0" errorcode="x"/>',
    '<event/>',
    '<urls><url codebase="http://x/"/></urls>',
    '<manifest version="2"><packages><package name="p" size="-1"/></packages></manifest>',
    '<ping/>',
    '<![CDATA[ x ]]>',
    '<!-- c -->',
    '&amp;',
    '&bogus;',
    '<',
    '>',
    '"',
    'text',
  );
  const doc = fc.array(fragments, { maxLength: 12 }).map((parts) => parts.join(''));

  it('either decode or throw OmahaXmlError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(doc, fc.string()), (xml) => {
        for (const decode of [decodeOmahaRequest, decodeOmahaResponse]) {
          try {
            decode(xml);
          } catch (err) {
            expect(err).toBeInstanceOf(OmahaXmlError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a truncated element the validator lets through (found by the property, seed -1941651196)', () => {
    for (const decode of [decodeOmahaRequest, decodeOmahaResponse]) {
      expect(() => decode('<A/')).toThrow(OmahaXmlError);
    }
  });
});
