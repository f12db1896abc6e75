// The Omaha v3 request, as update_engine sends it (see reference section 3.5).
import { attr, attrs, child, children, intAttr, OmahaXmlError, parseOmahaXml, type XmlNode } from './omaha-xml.js';

export interface OmahaEvent {
  readonly type: number;
  readonly result: number;
  readonly errorCode?: number;
  readonly previousVersion?: string;
}

export interface OmahaAppRequest {
  readonly appId: string;
  readonly version: string;
  readonly track: string;
  readonly machineId: string;
  readonly bootId: string;
  readonly oem?: string;
  readonly board?: string;
  readonly alephVersion?: string;
  readonly ping: boolean;
  readonly updateCheck: boolean;
  readonly events: readonly OmahaEvent[];
}

export interface OmahaRequest {
  readonly updaterVersion: string;
  readonly installSource: 'scheduler' | 'ondemandupdate';
  readonly os: { readonly version: string; readonly platform: string; readonly sp: string };
  readonly apps: readonly OmahaAppRequest[];
}

export function encodeOmahaRequest(req: OmahaRequest): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(
    `<request${attrs([
      ['protocol', '3.0'],
      ['version', req.updaterVersion],
      ['updaterversion', req.updaterVersion],
      ['installsource', req.installSource],
      ['ismachine', 1],
    ])}>`,
  );
  lines.push(
    `    <os${attrs([
      ['version', req.os.version],
      ['platform', req.os.platform],
      ['sp', req.os.sp],
    ])}></os>`,
  );
  for (const app of req.apps) {
    lines.push(
      `    <app${attrs([
        ['appid', app.appId],
        ['version', app.version],
        ['track', app.track],
        ['bootid', app.bootId],
        ['oem', app.oem ?? ''],
        ['alephversion', app.alephVersion ?? ''],
        ['machineid', app.machineId],
        ['lang', 'en-US'],
        ['board', app.board ?? ''],
        ['hardware_class', ''],
        ['delta_okay', 'false'],
      ])} >`,
    );
    if (app.ping) lines.push('        <ping active="1"></ping>');
    if (app.updateCheck) lines.push('        <updatecheck></updatecheck>');
    for (const e of app.events) {
      lines.push(
        `        <event${attrs([
          ['eventtype', e.type],
          ['eventresult', e.result],
          ['errorcode', e.errorCode],
          ['previousversion', e.previousVersion],
        ])}></event>`,
      );
    }
    lines.push('    </app>');
  }
  lines.push('</request>');
  return `${lines.join('\n')}\n`;
}

function requiredAttr(node: XmlNode, name: string, where: string): string {
  const v = attr(node, name);
  if (v === undefined) throw new OmahaXmlError(`<${where}> lacks attribute ${name}`);
  return v;
}

function decodeEvent(node: XmlNode): OmahaEvent {
  const type = intAttr(node, 'eventtype');
  const result = intAttr(node, 'eventresult');
  if (type === undefined || result === undefined) throw new OmahaXmlError('<event> needs eventtype and eventresult');
  const errorCode = intAttr(node, 'errorcode');
  const previousVersion = attr(node, 'previousversion');
  return {
    type,
    result,
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(previousVersion === undefined ? {} : { previousVersion }),
  };
}

export function decodeOmahaRequest(xml: string): OmahaRequest {
  const root = parseOmahaXml(xml, 'request');
  if (attr(root, 'protocol') !== '3.0') throw new OmahaXmlError('request protocol must be 3.0');
  const os = child(root, 'os') ?? {};
  const source = attr(root, 'installsource');
  const apps = children(root, 'app').map((app): OmahaAppRequest => {
    const optional = (key: string, name: string) => {
      const v = attr(app, name);
      return v === undefined ? {} : { [key]: v };
    };
    return {
      appId: requiredAttr(app, 'appid', 'app'),
      version: attr(app, 'version') ?? '',
      track: attr(app, 'track') ?? '',
      machineId: attr(app, 'machineid') ?? '',
      bootId: attr(app, 'bootid') ?? '',
      ...optional('oem', 'oem'),
      ...optional('board', 'board'),
      ...optional('alephVersion', 'alephversion'),
      ping: child(app, 'ping') !== undefined,
      updateCheck: child(app, 'updatecheck') !== undefined,
      events: children(app, 'event').map(decodeEvent),
    };
  });
  if (apps.length === 0) throw new OmahaXmlError('request has no <app>');
  return {
    updaterVersion: attr(root, 'updaterversion') ?? attr(root, 'version') ?? '',
    installSource: source === 'ondemandupdate' ? 'ondemandupdate' : 'scheduler',
    os: { version: attr(os, 'version') ?? '', platform: attr(os, 'platform') ?? '', sp: attr(os, 'sp') ?? '' },
    apps,
  };
}
