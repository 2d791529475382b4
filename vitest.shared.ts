/**
 * What every project's vitest config shares: the console reporter for people (in CI the
 * verbose one, so the log names every check), and a JSON report that
 * `tools/scripts/test-summary.mjs` adds up into the closing line CI reads.
 */
export function labReporters(reportName: string): NonNullable<import("vitest/config").ViteUserConfig["test"]>["reporters"] {
  return [process.env.CI ? "verbose" : "default", ["json", { outputFile: `test-results/${reportName}.json` }]];
}
