/** fleetd as a real process (run from the TypeScript sources through tsx), for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const PACKAGE_DIR = resolve(import.meta.dirname, '..');

export class FleetdProcess {
  address = '';
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly args: readonly string[]) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts fleetd and resolves with its gRPC address once it listens (bounded). */
  async start(timeoutMs = 30_000): Promise<string> {
    const child = spawn(
      process.execPath,
      ['--conditions=@coreos-ts/source', '--import', 'tsx', 'src/bin/fleetd.ts', ...this.args],
      { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    });
    this.address = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`fleetd did not start in ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const m = /fleetd listening on (\S+)/.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`fleetd exited with ${code}:\n${this.output}`));
      });
    });
    return this.address;
  }

  /** Sends `signal` and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill(signal);
    await exited;
  }

  log(): string {
    return this.output;
  }
}
