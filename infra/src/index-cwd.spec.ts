import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scriptOf, plain, outputValue, type RecordingMocks } from "../../packages/components/src/testing/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

// The engine runs the program with cwd = the folder of `main` (infra), not the project
// root. This spec runs it from an unrelated folder: every path must still be the project's.
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const elsewhere = mkdtempSync(join(tmpdir(), "lab-cwd-"));
const startCwd = process.cwd();
let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  process.chdir(elsewhere);
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", registryTls: "true" }, ["cosignPassword"]));
  await outputValue(program.appRef!);
});
afterAll(() => {
  process.chdir(startCwd);
  rmSync(elsewhere, { recursive: true, force: true });
});

describe("the lab program run from another working directory", () => {
  it("builds studentbook from the project's folder, with a Dockerfile that exists", () => {
    const build = plain(mocks.named("studentbook", "docker:index/image:Image").inputs.build) as { context: string; dockerfile: string };
    expect(build.context).toBe(join(projectRoot, "packages/studentbook"));
    expect(isAbsolute(build.dockerfile) && existsSync(build.dockerfile)).toBe(true);
  });

  it("writes SBOMs and the registry CA under the project's workDir, not the cwd", () => {
    expect(program.images.studentbook?.sbomFile).toBe(join(projectRoot, ".lab/dev/studentbook.spdx.json"));
    expect(program.registryCaFile).toBe(join(projectRoot, ".lab/dev/registry-ca/ca.crt"));
    const scripts = mocks.resources.filter((r) => r.type === "command:local:Command").map((r) => String(scriptOf(r)));
    expect(scripts.some((s) => s.includes(elsewhere))).toBe(false);
  });

  it("names its containers after the stack, so two stacks on one machine do not collide", () => {
    expect(mocks.named("registry", "docker:index/container:Container").inputs.name).toBe("dev-registry");
    expect(mocks.named("studentbook-app", "docker:index/container:Container").inputs.name).toBe("dev-studentbook-app");
  });
});
