#!/usr/bin/env node
// Prints one closing line for the whole test run ("N passed, N failed, N skipped") from the JSON reports
// that vitest (test-results/vitest.json) and Playwright (test-results/playwright.json) write.
import fs from 'node:fs';

function read(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const unit = read('test-results/vitest.json');
if (unit) {
  const skipped = (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0);
  totals.passed += unit.numPassedTests ?? 0;
  totals.failed += unit.numFailedTests ?? 0;
  totals.skipped += skipped;
  lines.push(
    `unit+integration (vitest): ${unit.numPassedTests} passed, ${unit.numFailedTests} failed, ${skipped} skipped`,
  );
} else {
  lines.push('unit+integration (vitest): no report (did the run reach vitest?)');
}
const e2e = read('test-results/playwright.json');
if (e2e?.stats) {
  const s = e2e.stats;
  totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
  totals.failed += s.unexpected ?? 0;
  totals.skipped += s.skipped ?? 0;
  lines.push(
    `browser e2e (playwright): ${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${s.unexpected ?? 0} failed, ${s.skipped ?? 0} skipped`,
  );
} else {
  lines.push('browser e2e (playwright): no report (did the run reach playwright?)');
}
console.log('\n' + lines.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
