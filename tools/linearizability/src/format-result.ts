import type { CheckResult, PartitionReport } from './check-history.js';
import type { History, Operation } from './history.js';
import { describeOperationOf, describeStateOf, type Model } from './model.js';

/** The verdict for humans: a summary line, then what went wrong in each partition that is not ok. */
export function formatCheckResult<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
  result: CheckResult<State>,
): string {
  const counts = { ok: 0, illegal: 0, unknown: 0 };
  for (const report of result.partitions) counts[report.result]++;
  const lines = [
    `${result.result}: ${headline(result.result)} (model ${model.name}, ${plural(result.operationCount, 'operation')}, ` +
      `${plural(result.partitions.length, 'partition')}: ${counts.ok} ok, ${counts.illegal} illegal, ${counts.unknown} unknown; ` +
      `${Math.round(result.elapsedMs)} ms)`,
  ];
  for (const report of result.partitions) {
    if (report.result === 'ok') continue;
    lines.push('', ...formatPartition(model, history, report));
  }
  return lines.join('\n');
}

function headline(verdict: CheckResult<unknown>['result']): string {
  switch (verdict) {
    case 'ok':
      return 'the history is linearizable';
    case 'illegal':
      return 'the history is NOT linearizable';
    case 'unknown':
      return 'the check gave up before reaching a verdict';
  }
}

function formatPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
  report: PartitionReport<State>,
): string[] {
  const title =
    `partition ${JSON.stringify(report.key)}: ${report.result}` +
    (report.reason ? ` (${report.reason})` : '') +
    ` - ${plural(report.operationIds.length, 'operation')}, ${report.statesExplored} states explored, ${Math.round(report.elapsedMs)} ms`;
  const explanation = report.explanation;
  if (!explanation) return [title];
  const line = (id: number): string => formatOperation(model, id, history[id]!);
  const lines = [
    title,
    `  longest linearizable prefix found (${plural(explanation.longestPrefix.length, 'operation')}):`,
  ];
  for (const step of explanation.longestPrefix) {
    lines.push(`    ${line(step.operationId)}  => ${describeStateOf(model, step.stateAfter)}`);
  }
  if (explanation.longestPrefix.length === 0) lines.push('    (none)');
  const state = describeStateOf(model, explanation.stateAfterPrefix);
  lines.push(
    `  then one of these had to take effect, in state ${state} (they were called before ` +
      `#${explanation.blockingOperationId}, the first of those left to return, returned), and none can:`,
  );
  for (const candidate of explanation.candidates) {
    const verdict = candidate.allowed ? 'fits, but nothing linearizable follows' : 'does not fit this state';
    lines.push(`    ${line(candidate.operationId)}  : ${verdict}`);
  }
  return lines;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatOperation<State, Input, Output>(
  model: Model<State, Input, Output>,
  id: number,
  op: Operation<Input, Output>,
): string {
  const interval = op.return === undefined ? `[${op.call}, never returned)` : `[${op.call}, ${op.return}]`;
  return `#${id} client ${op.clientId} ${interval} ${describeOperationOf(model, op.input, op.output)}`;
}
