// The Omaha v3 response, in the shape update_engine parses (see reference section 3.6), and the
// client-side interpretation of an updatecheck (update_engine's ParseResponse rules).
import { ErrorCode } from './omaha-codes.js';
import { attr, attrs, child, children, intAttr, OmahaXmlError, parseOmahaXml, type XmlNode } from './omaha-xml.js';

export interface OmahaPackage {
  readonly name: string;
  readonly sizeBytes: number;
  /** base64 SHA-1 in Omaha; informational only (update_engine ignores it). */
  readonly hash?: string;
  readonly required?: boolean;
}

export interface OmahaAction {
  readonly event: string;
  /** base64 SHA-256 of the whole payload (postinstall action). */
  readonly sha256?: string;
  readonly disablePayloadBackoff?: boolean;
}

export interface OmahaUpdateCheck {
  readonly status: string;
  readonly pollIntervalSeconds?: number;
  readonly urls: readonly string[];
  readonly manifest?: {
    readonly version: string;
    readonly packages: readonly OmahaPackage[];
    readonly actions: readonly OmahaAction[];
  };
}

export interface OmahaAppResponse {
  readonly appId: string;
  readonly status: string;
  readonly ping: boolean;
  /** One `<event status="ok"/>` is echoed per request event. */
  readonly eventCount: number;
  readonly updateCheck?: OmahaUpdateCheck;
}

export interface OmahaResponse {
  readonly server: string;
  readonly dayStartElapsedSeconds?: number;
  readonly apps: readonly OmahaAppResponse[];
}

function encodeUpdateCheck(u: OmahaUpdateCheck, out: string[]): void {
  const open = `    <updatecheck${attrs([
    ['status', u.status],
    ['PollInterval', u.pollIntervalSeconds],
  ])}`;
  if (u.manifest === undefined && u.urls.length === 0) {
    out.push(`${open}/>`);
    return;
  }
  out.push(`${open}>`);
  out.push('      <urls>');
  for (const url of u.urls) out.push(`        <url${attrs([['codebase', url]])}/>`);
  out.push('      </urls>');
  if (u.manifest !== undefined) {
    out.push(`      <manifest${attrs([['version', u.manifest.version]])}>`);
    out.push('        <packages>');
    for (const p of u.manifest.packages) {
      const required = p.required === undefined ? undefined : String(p.required);
      out.push(
        `          <package${attrs([
          ['hash', p.hash],
          ['name', p.name],
          ['size', p.sizeBytes],
          ['required', required],
        ])}/>`,
      );
    }
    out.push('        </packages>');
    out.push('        <actions>');
    for (const a of u.manifest.actions) {
      const backoff = a.disablePayloadBackoff === undefined ? undefined : String(a.disablePayloadBackoff);
      out.push(
        `          <action${attrs([
          ['event', a.event],
          ['sha256', a.sha256],
          ['DisablePayloadBackoff', backoff],
        ])}/>`,
      );
    }
    out.push('        </actions>');
    out.push('      </manifest>');
  }
  out.push('    </updatecheck>');
}

export function encodeOmahaResponse(res: OmahaResponse): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<response${attrs([
      ['protocol', '3.0'],
      ['server', res.server],
    ])}>`,
  );
  if (res.dayStartElapsedSeconds !== undefined) {
    out.push(`  <daystart${attrs([['elapsed_seconds', res.dayStartElapsedSeconds]])}/>`);
  }
  for (const app of res.apps) {
    out.push(
      `  <app${attrs([
        ['appid', app.appId],
        ['status', app.status],
      ])}>`,
    );
    if (app.ping) out.push('    <ping status="ok"/>');
    for (let i = 0; i < app.eventCount; i++) out.push('    <event status="ok"/>');
    if (app.updateCheck !== undefined) encodeUpdateCheck(app.updateCheck, out);
    out.push('  </app>');
  }
  out.push('</response>');
  return `${out.join('\n')}\n`;
}

function decodeUpdateCheck(node: XmlNode): OmahaUpdateCheck {
  const urls = children(child(node, 'urls') ?? {}, 'url')
    .map((u) => attr(u, 'codebase') ?? '')
    .filter((u) => u !== '');
  const manifestNode = child(node, 'manifest');
  const poll = intAttr(node, 'PollInterval');
  const base = {
    status: attr(node, 'status') ?? '',
    urls,
    ...(poll === undefined ? {} : { pollIntervalSeconds: poll }),
  };
  if (manifestNode === undefined) return base;
  const packages = children(child(manifestNode, 'packages') ?? {}, 'package').map((p): OmahaPackage => {
    const hash = attr(p, 'hash');
    const required = attr(p, 'required');
    return {
      name: attr(p, 'name') ?? '',
      sizeBytes: intAttr(p, 'size') ?? 0,
      ...(hash === undefined ? {} : { hash }),
      ...(required === undefined ? {} : { required: required === 'true' }),
    };
  });
  const actions = children(child(manifestNode, 'actions') ?? {}, 'action').map((a): OmahaAction => {
    const sha256 = attr(a, 'sha256');
    const backoff = attr(a, 'DisablePayloadBackoff');
    return {
      event: attr(a, 'event') ?? '',
      ...(sha256 === undefined ? {} : { sha256 }),
      ...(backoff === undefined ? {} : { disablePayloadBackoff: backoff === 'true' }),
    };
  });
  return { ...base, manifest: { version: attr(manifestNode, 'version') ?? '', packages, actions } };
}

export function decodeOmahaResponse(xml: string): OmahaResponse {
  const root = parseOmahaXml(xml, 'response');
  if (attr(root, 'protocol') !== '3.0') throw new OmahaXmlError('response protocol must be 3.0');
  const day = child(root, 'daystart');
  const elapsed = day === undefined ? undefined : intAttr(day, 'elapsed_seconds');
  return {
    server: attr(root, 'server') ?? '',
    ...(elapsed === undefined ? {} : { dayStartElapsedSeconds: elapsed }),
    apps: children(root, 'app').map((app): OmahaAppResponse => {
      const uc = child(app, 'updatecheck');
      return {
        appId: attr(app, 'appid') ?? '',
        status: attr(app, 'status') ?? '',
        ping: child(app, 'ping') !== undefined,
        eventCount: children(app, 'event').length,
        ...(uc === undefined ? {} : { updateCheck: decodeUpdateCheck(uc) }),
      };
    }),
  };
}

export interface OfferedUpdate {
  readonly version: string;
  /** Full payload URLs, one per codebase (codebase + '/' if missing + package name). */
  readonly urls: readonly string[];
  readonly packageName: string;
  readonly sizeBytes: number;
  readonly sha256Base64: string;
  readonly pollIntervalSeconds?: number;
}

export type UpdateCheckOutcome =
  | { readonly kind: 'no-update'; readonly pollIntervalSeconds?: number }
  | { readonly kind: 'update'; readonly update: OfferedUpdate }
  | { readonly kind: 'invalid'; readonly errorCode: number; readonly message: string };

/** update_engine's rules for an updatecheck answer (ParseResponse). */
export function interpretUpdateCheck(res: OmahaResponse, appId: string): UpdateCheckOutcome {
  const invalid = (message: string): UpdateCheckOutcome => ({
    kind: 'invalid',
    errorCode: ErrorCode.OmahaResponseInvalid,
    message,
  });
  const app = res.apps.find((a) => a.appId.toLowerCase() === appId.toLowerCase()) ?? res.apps[0];
  const uc = app?.updateCheck;
  if (uc === undefined) return invalid('response has no app/updatecheck');
  const poll = uc.pollIntervalSeconds === undefined ? {} : { pollIntervalSeconds: uc.pollIntervalSeconds };
  if (uc.status === 'noupdate') return { kind: 'no-update', ...poll };
  if (uc.status !== 'ok') return invalid(`updatecheck status "${uc.status}"`);
  if (uc.urls.length === 0) return invalid('updatecheck has no url codebase');
  const manifest = uc.manifest;
  if (manifest === undefined) return invalid('updatecheck has no manifest');
  const pkg = manifest.packages[0];
  if (pkg === undefined || pkg.name === '') return invalid('manifest has no package name');
  if (!(pkg.sizeBytes > 0)) return invalid('package size must be > 0');
  const post = manifest.actions.find((a) => a.event === 'postinstall');
  if (post?.sha256 === undefined || post.sha256 === '') return invalid('postinstall action lacks sha256');
  return {
    kind: 'update',
    update: {
      version: manifest.version,
      urls: uc.urls.map((c) => (c.endsWith('/') ? c : `${c}/`) + pkg.name),
      packageName: pkg.name,
      sizeBytes: pkg.sizeBytes,
      sha256Base64: post.sha256,
      ...poll,
    },
  };
}
