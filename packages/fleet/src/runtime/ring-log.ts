/**
 * A unit's recent output: complete lines, bounded by count and by bytes (oldest dropped first).
 * A partial last line is held back until its newline arrives (or it alone exceeds the byte
 * bound, then it is cut). Listeners hear each completed line, for `logs --follow`.
 */
export interface RingLogLimits {
  readonly linesMax: number;
  readonly bytesMax: number;
}

export class RingLog {
  private readonly lines: string[] = [];
  private bytes = 0;
  private partial = '';
  private readonly listeners = new Set<(line: string) => void>();

  constructor(readonly limits: RingLogLimits) {
    if (limits.linesMax < 1 || limits.bytesMax < 1) throw new Error('RingLog limits must be positive');
  }

  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.append(line);
    if (this.partial.length > this.limits.bytesMax) {
      this.append(this.partial.slice(0, this.limits.bytesMax));
      this.partial = '';
    }
  }

  /** The last `count` complete lines, oldest first. */
  tail(count: number): string[] {
    return count <= 0 ? [] : this.lines.slice(-count);
  }

  get size(): { lines: number; bytes: number } {
    return { lines: this.lines.length, bytes: this.bytes };
  }

  subscribe(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private append(line: string): void {
    const cut = line.length > this.limits.bytesMax ? line.slice(0, this.limits.bytesMax) : line;
    this.lines.push(cut);
    this.bytes += cut.length;
    while (this.lines.length > this.limits.linesMax || this.bytes > this.limits.bytesMax) {
      this.bytes -= (this.lines.shift() ?? '').length;
    }
    for (const listener of this.listeners) listener(cut);
  }
}
