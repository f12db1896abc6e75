/**
 * Docker's multiplexed log stream (containers without a TTY): frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload length) followed by the payload.
 */
export class LogFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the payloads of every frame completed by them. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      out.push(this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
    }
    return out;
  }
}

/** Splits a whole multiplexed log buffer into its text lines. */
export function decodeLogLines(buffer: Buffer): string[] {
  const text = Buffer.concat(new LogFrameDecoder().push(buffer)).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
