// Prints vitest's JSON report as the line CI reads: `N passed, N failed` (", N skipped" when any).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`0 passed, 1 failed (no test report at ${file}: ${err.message})`);
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
// A file that failed to load counts as a failure even though it ran no test.
const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
const failed = report.numFailedTests + brokenFiles;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
