import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findProjectRoot } from "./project-root.js";

const root = mkdtempSync(join(tmpdir(), "project-root-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("findProjectRoot", () => {
  it("finds the folder of Pulumi.yaml above the program's folder (main: infra/dist)", () => {
    writeFileSync(join(root, "Pulumi.yaml"), "name: x\n");
    mkdirSync(join(root, "infra", "dist"), { recursive: true });
    expect(findProjectRoot(join(root, "infra", "dist"))).toBe(root);
    expect(findProjectRoot(root)).toBe(root);
  });

  it("fails naming the folder when no Pulumi.yaml is above it", () => {
    const outside = mkdtempSync(join(tmpdir(), "no-project-"));
    try {
      expect(() => findProjectRoot(outside)).toThrow(/no Pulumi\.yaml at or above .*no-project-/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
