// The whole story's web service: a `.container` template for fleet whose instances serve HTTP
// with busybox httpd, and an observer that asks every instance every ~150 ms whether one answers.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { runPeriodically } from './periodic.js';

/**
 * `web@.container`: instance N listens on 127.0.0.1:(base + N) with host networking (all machines
 * share the host's network, so each instance gets its own port); its name carries the machine ID
 * (all machines share one dockerd); no two instances on one machine; a port still held by the
 * instance's old container (being stopped elsewhere) makes httpd exit, and Docker restarts it.
 */
export function webTemplate(image: string, portBase: number): string {
  return [
    '[Container]',
    `Image=${image}`,
    `Environment=WEB_PORT_BASE=${portBase}`,
    "Exec=sh -c 'echo %n on %m > /www/index.html && exec httpd -f -p 127.0.0.1:$((WEB_PORT_BASE + %i)) -h /www'",
    'ContainerName=%p-%i-%m',
    '',
    '[Service]',
    'Restart=always',
    // httpd runs as the container's PID 1 and ignores SIGTERM: do not wait long for it
    'TimeoutStopSec=1',
    '',
    '[X-Fleet]',
    'Conflicts=web@*',
    '',
  ].join('\n');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base such that base+1 .. base+count are free now (below the ephemeral range, like the harness's ports). */
export async function freePortBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomInt(20_000, 32_000 - count);
    let free = true;
    for (let i = 1; i <= count && free; i++) free = await bindable(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found in 20000-32000`);
}

export interface HttpSample {
  readonly atMs: number;
  /** Per URL: the body's first line, or why it did not answer. */
  readonly answers: readonly { readonly ok: boolean; readonly text: string }[];
}

export interface HttpObserver {
  readonly samples: readonly HttpSample[];
  /** Samples where no URL answered 200. */
  outages(): HttpSample[];
  stop(): Promise<void>;
}

/** Asks every URL, then again `intervalMs` after the answers, until stopped. */
export function observeHttp(urls: readonly string[], intervalMs: number, timeoutMs: number): HttpObserver {
  const samples: HttpSample[] = [];
  const ask = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const text = (await res.text()).trim();
      return { ok: res.status === 200, text: res.status === 200 ? text : `HTTP ${res.status}` };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { ok: false, text: cause ?? (err as Error).name };
    }
  };
  const loop = runPeriodically(intervalMs, async () => {
    const atMs = Date.now();
    samples.push({ atMs, answers: await Promise.all(urls.map(ask)) });
  });
  return {
    samples,
    outages: () => samples.filter((s) => !s.answers.some((a) => a.ok)),
    stop: () => loop.stop(),
  };
}
