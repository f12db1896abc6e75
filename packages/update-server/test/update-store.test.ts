import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpdateStore } from '../src/model/update-store.js';
import { tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('update-store-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const event = (machineId: string, type: number) => ({
  kind: 'event' as const,
  value: {
    atMs: type,
    appId: 'app',
    machineId,
    groupId: 'g',
    type,
    result: 1,
    errorCode: 0,
    previousVersion: '',
    version: '1',
  },
});

describe('UpdateStore event log', () => {
  it('keeps the newest maxEvents events, indexed per machine, across a reopen', async () => {
    let store = await UpdateStore.open(dir, { maxInstances: 10, maxEvents: 5 });
    for (let i = 1; i <= 8; i++) await store.write([event(i % 2 ? 'odd' : 'even', i)]);
    expect((await store.listEvents({ limit: 100 })).map((e) => e.type)).toEqual([4, 5, 6, 7, 8]);
    expect((await store.listEvents({ machineId: 'odd', limit: 100 })).map((e) => e.type)).toEqual([5, 7]);
    expect((await store.listEvents({ machineId: 'even', limit: 1 })).map((e) => e.type)).toEqual([8]);
    await store.close();
    store = await UpdateStore.open(dir, { maxInstances: 10, maxEvents: 5 });
    await store.write([event('odd', 9), event('odd', 11)]);
    expect((await store.listEvents({ limit: 100 })).map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
    expect((await store.listEvents({ machineId: 'odd', limit: 100 })).map((e) => e.type)).toEqual([7, 9, 11]);
    expect((await store.listEvents({ machineId: 'even', limit: 100 })).map((e) => e.type)).toEqual([6, 8]);
    await store.close();
  });
});
