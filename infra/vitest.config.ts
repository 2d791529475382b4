import { defineConfig } from "vitest/config";
import { labReporters } from "../vitest.shared.js";

export default defineConfig({
  test: {
    include: ["src/**/*.spec.ts"],
    reporters: labReporters("unit"),
    // The program checks the machine's tools unless lab.sh's preflight did; specs register it under mocks.
    env: { LAB_TOOLS_CHECKED: "1" },
  },
});
