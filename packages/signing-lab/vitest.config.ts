import { defineConfig } from "vitest/config";
import { labReporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    include: ["src/**/*.spec.ts"],
    reporters: labReporters("unit"),
  },
});
