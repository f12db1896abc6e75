// What `cluster up` prints once the cluster serves: endpoints and commands to try.
import { CLUSTER_CLI } from '../binaries.js';
import type { ClusterInfo } from '../cluster-info.js';

export function summaryText(info: ClusterInfo): string {
  const lines: string[] = [];
  const dirFlag = `--dir ${info.dir}`;
  lines.push(`cluster dir:     ${info.dir}`);
  lines.push(`control:         ${info.control}`);
  lines.push(`kv endpoints:    ${info.kvEndpoints.join(',')}`);
  lines.push(`update server:   omaha ${info.updateServer.omahaUrl}  admin ${info.updateServer.admin}`);
  const net = info.network;
  if (net !== undefined) {
    lines.push(
      `network:         ${net.subnet}, host ${net.hostAddress} on ${net.hostLink}, bridge in ${net.switchNamespace}`,
    );
    lines.push(`namespaces:      ${net.machines.map((m) => `${m.name} ${m.namespace} ${m.address}`).join(', ')}`);
  }
  for (const m of info.machines) {
    const e = m.endpoints;
    const extra = [
      e.fleet === undefined ? '' : `  fleet ${e.fleet}`,
      e.locksmith === undefined ? '' : `  locksmith ${e.locksmith}`,
      e.fleetLock === undefined ? '' : `  fleetlock ${e.fleetLock}`,
    ].join('');
    lines.push(`${m.name} (${m.machineId.slice(0, 8)}): kv ${e.kv}  update-engine ${e.updateEngine}${extra}`);
  }
  lines.push('');
  lines.push('try (in another shell):');
  lines.push(`  alias cluster='node ${CLUSTER_CLI}'; export CLUSTER_DIR=${info.dir}`);
  lines.push('  cluster status');
  lines.push(`  ETCDCTL_API=3 etcdctl --endpoints ${info.kvEndpoints.join(',')} put hello world`);
  lines.push(
    `  node packages/update-engine/dist/bin/update-engine-client.js --endpoint ${info.machines[0]?.endpoints.updateEngine} status`,
  );
  lines.push('  cluster publish 2.0.0          # every machine updates to slot B; `cluster reboot m1` boots it');
  lines.push('  cluster publish 3.0.0 --bad    # boots, fails its health check, rolls back');
  lines.push('  cluster kill m2 kvd | cluster pause m3 | cluster resume m3 | cluster restart m2');
  if (net !== undefined)
    lines.push('  cluster partition m1             # m1 cut off from the rest (or: m1,m2 / m3,...); cluster heal');
  lines.push('  cluster logs m1 update-engine --tail 20');
  lines.push(`  cluster down                   # or Ctrl-C here   (all commands take ${dirFlag})`);
  return `${lines.join('\n')}\n`;
}
