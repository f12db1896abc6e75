// `cluster status` as a table for people (the --json form is the ClusterStatus itself).
import type { ClusterStatus } from './cluster-status.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const short = (status: string) => status.replace(/^UPDATE_STATUS_/, '');

export function formatStatus(s: ClusterStatus): string {
  const machines = table([
    [
      'MACHINE',
      'STATE',
      'BOOTS',
      'SLOT',
      'VERSION',
      'UPDATE-ENGINE',
      'SLOTS (prio/tries/ok version)',
      'KV',
      'PROCESSES',
    ],
    ...s.machines.map((m) => [
      m.name,
      m.state,
      String(m.bootCount),
      m.bootedSlot ?? '-',
      m.version ?? '-',
      `${short(m.updateStatus).slice(0, 40)}${m.newVersion !== '' ? ` -> ${m.newVersion}` : ''}${m.lastErrorCode !== 0 ? ` (error ${m.lastErrorCode})` : ''}`,
      m.slots.map((x) => `${x.name}:${x.priority}/${x.tries}/${x.successful ? 1 : 0} ${x.version || '-'}`).join(' '),
      m.kvError !== null ? 'down' : m.kvLeader ? 'leader' : 'member',
      Object.entries(m.components)
        .map(([name, c]) => `${name}:${c.state === 'running' ? c.pid : c.state}`)
        .join(' '),
    ]),
  ]);
  const kv =
    s.kv.error !== null
      ? `kv: unreachable (${s.kv.error})`
      : `kv: ${s.kv.members} members, leader ${s.kv.leader ?? 'none'}`;
  const lock =
    s.rebootLock === null
      ? 'reboot lock: none'
      : `reboot lock: ${s.rebootLock.free}/${s.rebootLock.max} free, holders: ${s.rebootLock.holders.join(', ') || 'none'}`;
  const instances =
    s.updateServer.error !== null
      ? `update-server: unreachable (${s.updateServer.error})`
      : table([
          ['INSTANCE', 'VERSION', 'STATUS', 'TARGET', 'LAST-ERROR'],
          ...s.updateServer.instances.map((i) => [
            i.machine,
            i.version,
            i.status,
            i.targetVersion || '-',
            String(i.lastErrorCode),
          ]),
        ]);
  const units =
    s.units === null
      ? ''
      : `\n${table([
          ['UNIT', 'MACHINE', 'DESIRED', 'CURRENT'],
          ...s.units.map((u) => [u.name, u.machine || '-', u.desired, u.current]),
        ])}\n`;
  const partition =
    s.partition === undefined
      ? ''
      : `partition: ${s.partition === null ? 'none' : s.partition.map((g) => g.join(',')).join(' / ')}\n`;
  return `${machines}\n\n${kv}\n${lock}\n${partition}\n${instances}\n${units}`;
}
