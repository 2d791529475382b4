#!/usr/bin/env node
// Adds up the vitest JSON reports of every project into one closing line that CI reads:
// "tests: N passed, N failed, N skipped". Exits 1 when a report is missing or shows a failure.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const reports = [
  "packages/tooling/test-results/unit.json",
  "packages/components/test-results/unit.json",
  "packages/policy-pack/test-results/unit.json",
  "packages/signing-lab/test-results/unit.json",
  "infra/test-results/unit.json",
  "tools/generators/test-results/unit.json",
  "tools/e2e/test-results/e2e.json",
];
const wanted = process.argv.includes("--unit-only") ? reports.filter((r) => r.endsWith("unit.json")) : reports;

let passed = 0,
  failed = 0,
  skipped = 0;
const missing = [];
for (const report of wanted) {
  const path = join(root, report);
  if (!existsSync(path)) {
    missing.push(report);
    continue;
  }
  const r = JSON.parse(readFileSync(path, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(`${report}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
}
for (const report of missing) console.log(`${report}: missing (that project's tests did not run)`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 ? 1 : 0);
