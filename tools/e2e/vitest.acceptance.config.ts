import { defineConfig } from "vitest/config";
import { labReporters } from "../../vitest.shared.js";

// The engine acceptance suite (tools/scripts/test-engine.sh): one real lab at a time, in order.
export default defineConfig({
  test: {
    include: ["acceptance/**/*.acceptance.ts"],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 900_000,
    hookTimeout: 900_000,
    reporters: labReporters("acceptance"),
  },
});
