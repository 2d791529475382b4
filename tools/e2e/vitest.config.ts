import { defineConfig } from "vitest/config";
import { labReporters } from "../../vitest.shared.js";

// Real docker, registry, cosign, syft and skopeo: one file at a time on a 2-core machine,
// with room for image builds and scans.
export default defineConfig({
  test: {
    include: ["**/*.e2e.ts"],
    exclude: ["node_modules/**"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 600_000,
    reporters: labReporters("e2e"),
  },
});
