import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SIGNING_LAB_PACKAGE } from "../support/language-program.js";

/** Keys sorted at every level: the engine re-serializes the schema through its own types. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

// The schema the engine serves for the component package (the Node.js language host runs the
// package's plugin host) is the one the unit spec checks: packages/signing-lab/schema.json.
describe("pulumi package get-schema of packages/signing-lab", () => {
  it("prints the committed schema.json: seven components, their inputs, outputs, types and enums", async () => {
    const got = await execa("pulumi", ["package", "get-schema", SIGNING_LAB_PACKAGE], {
      env: { PULUMI_SKIP_UPDATE_CHECK: "true" },
      reject: false,
      timeout: 300_000,
    });
    expect(got.exitCode, got.stderr).toBe(0);
    const served = JSON.parse(got.stdout) as { resources: Record<string, unknown>; types: Record<string, unknown> };
    const committed = JSON.parse(readFileSync(join(SIGNING_LAB_PACKAGE, "schema.json"), "utf8"));
    console.log(
      `--- pulumi package get-schema: ${Object.keys(served.resources).length} components (${Object.keys(served.resources).join(", ")}), ${Object.keys(served.types).length} types`,
    );
    expect(sorted(served)).toEqual(sorted(committed));
  });
});
