import { configDefaults, defineConfig } from "vitest/config";
import { labReporters } from "../../vitest.shared.js";

// The engine acceptance suite (tools/scripts/test-engine.sh): one real lab at a time, in order.
// LAB_ACCEPTANCE_EXCLUDE (space-separated files) leaves out the specs whose language host this
// machine lacks; test-engine.sh sets it and says NOT RUN for each.
export default defineConfig({
  test: {
    include: ["acceptance/**/*.acceptance.ts"],
    exclude: [...configDefaults.exclude, ...(process.env.LAB_ACCEPTANCE_EXCLUDE ?? "").split(/\s+/).filter(Boolean)],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 900_000,
    hookTimeout: 900_000,
    reporters: labReporters("acceptance"),
  },
});
