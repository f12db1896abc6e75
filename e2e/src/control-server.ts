// The harness's control endpoint: a small JSON-over-HTTP API on 127.0.0.1 (netns mode: the host's
// bridge address) that the CLI's commands and the machines' reboot scripts call. Its URL is in
// cluster.json.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ComponentName, isComponentName } from './machine-config.js';

export type MachineAction = 'kill' | 'pause' | 'resume' | 'restart' | 'reboot';
export const MACHINE_ACTIONS: readonly MachineAction[] = ['kill', 'pause', 'resume', 'restart', 'reboot'];

/** What the control endpoint drives (the Cluster implements it). */
export interface ClusterControl {
  status(): Promise<unknown>;
  publish(version: string, options: { bad: boolean }): Promise<unknown>;
  /** `wait` = false: start the action and answer at once (the reboot scripts use that). */
  machineAction(
    machine: string,
    action: MachineAction,
    component: ComponentName | undefined,
    wait: boolean,
  ): Promise<unknown>;
  /** netns mode: cuts the machines into groups that cannot reach each other (replacing any partition). */
  partition(groups: readonly (readonly string[])[]): Promise<unknown>;
  /** netns mode: ends the partition. */
  heal(): Promise<unknown>;
  /** Stops every process; answered once they have stopped. */
  down(): Promise<unknown>;
  /** Called once the answer to `down` has been sent (closes the endpoint, ends `cluster up`). */
  afterDown(): void;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const BODY_BYTES_MAX = 16 * 1024;

/** Listens on `host`: 127.0.0.1, or in netns mode the host's bridge address (the machines' reboot scripts call it). */
export async function startControlServer(control: ClusterControl, host = '127.0.0.1'): Promise<ControlServer> {
  const server: Server = createServer((req, res) => {
    handle(control, req, res).catch((err: Error) => reply(res, 500, { error: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(control: ClusterControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  if (req.method === 'GET' && url.pathname === '/status') return reply(res, 200, await control.status());
  if (req.method !== 'POST') return reply(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  const body = await readBody(req);
  if (url.pathname === '/publish') {
    const version = typeof body.version === 'string' ? body.version : '';
    if (version === '') return reply(res, 400, { error: 'publish needs a version' });
    return reply(res, 200, await control.publish(version, { bad: body.bad === true }));
  }
  if (url.pathname === '/partition') {
    const groups = body.groups;
    if (!(Array.isArray(groups) && groups.every((g) => Array.isArray(g) && g.every((n) => typeof n === 'string')))) {
      return reply(res, 400, { error: 'partition needs groups: [["m1"], ["m2", "m3"]]' });
    }
    return reply(res, 200, await control.partition(groups as string[][]));
  }
  if (url.pathname === '/heal') return reply(res, 200, await control.heal());
  if (url.pathname === '/down') {
    const result = await control.down();
    res.once('close', () => control.afterDown());
    return reply(res, 200, result);
  }
  const [first, machine, action] = parts;
  if (first === 'machines' && machine !== undefined && parts.length === 3) {
    if (!(MACHINE_ACTIONS as readonly string[]).includes(action ?? '')) {
      return reply(res, 404, { error: `unknown action ${action}` });
    }
    const component = typeof body.component === 'string' ? body.component : undefined;
    if (component !== undefined && !isComponentName(component)) {
      return reply(res, 400, { error: `unknown component ${component}` });
    }
    const wait = url.searchParams.get('wait') === '1';
    return reply(res, 200, await control.machineAction(machine, action as MachineAction, component, wait));
  }
  return reply(res, 404, { error: `no route POST ${url.pathname}` });
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > BODY_BYTES_MAX) throw new Error('request body too large');
  }
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${text}\n`);
}

/** The CLI side: one request to a running cluster's control endpoint. */
export async function controlRequest(
  controlUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${controlUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  } catch (err) {
    throw new Error(
      `the cluster's control endpoint ${controlUrl} did not answer (is \`cluster up\` running?): ${(err as Error).message}`,
    );
  }
  const value = (await res.json()) as unknown;
  if (!res.ok) throw new Error((value as { error?: string }).error ?? `HTTP ${res.status}`);
  return value;
}
