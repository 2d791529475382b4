/**
 * What every project's vitest config shares: the console reporter for people and a JSON
 * report that `tools/scripts/test-summary.mjs` adds up into the closing line CI reads.
 */
export function labReporters(reportName: string): NonNullable<import("vitest/config").ViteUserConfig["test"]>["reporters"] {
  return ["default", ["json", { outputFile: `test-results/${reportName}.json` }]];
}
