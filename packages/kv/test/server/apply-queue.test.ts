import { describe, expect, it } from 'vitest';
import { ApplyQueue } from '../../src/server/apply-queue.js';

/** A round that finishes when released. */
function gated(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  return {
    round: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    release: () => release(),
  };
}

describe('ApplyQueue', () => {
  it('runs rounds one at a time in push order, and reports its backlog against the bound', async () => {
    const q = new ApplyQueue({ roundsMax: 2 });
    const log: string[] = [];
    const a = gated(log, 'a');
    const b = gated(log, 'b');
    q.push(a.round);
    q.push(b.round);
    expect(q.backlog).toBe(2);
    let roomLeft = false;
    const room = q.whenRoomLeft().then(() => {
      roomLeft = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a']);
    expect(roomLeft).toBe(false);
    a.release();
    await room;
    expect(q.backlog).toBe(1);
    b.release();
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(q.failure()).toBeUndefined();
  });

  it('keeps the first failure and skips every later round', async () => {
    const q = new ApplyQueue({ roundsMax: 4 });
    const ran: string[] = [];
    q.push(async () => {
      throw new Error('disk gone');
    });
    q.push(async () => {
      ran.push('later');
    });
    await q.idle();
    expect(ran).toEqual([]);
    expect(String(q.failure()?.error)).toContain('disk gone');
  });
});
