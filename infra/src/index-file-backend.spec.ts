import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputValue, type RecordingMocks } from "../../packages/components/src/testing/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

// lab:up runs the program on a file backend: the last update's `drift` output comes from the
// checkpoint file, with no StackReference to the stack itself (which raced the engine's writes).
const state = mkdtempSync(join(tmpdir(), "lab-file-backend-"));
let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  mkdirSync(join(state, ".pulumi", "stacks", "signed-image-lab"), { recursive: true });
  const previous = {
    digestRef: `localhost:5001/studentbook@sha256:${"0".repeat(64)}`,
    repairs: { signature: 3, attestation: 1, attachment: 0, sbomFile: 0 },
  };
  const checkpoint = {
    version: 3,
    checkpoint: { latest: { resources: [{ type: "pulumi:pulumi:Stack", outputs: { drift: { studentbook: previous } } }] } },
  };
  writeFileSync(join(state, ".pulumi", "stacks", "signed-image-lab", "dev.json"), JSON.stringify(checkpoint));
  process.env.PULUMI_BACKEND_URL = pathToFileURL(state).href;
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw" }, ["cosignPassword"]));
  await outputValue(program.appRef!);
});
afterAll(() => {
  delete process.env.PULUMI_BACKEND_URL;
  rmSync(state, { recursive: true, force: true });
});

describe("the lab program on a file backend", () => {
  it("carries the repair counts of the last update's drift record, read from the checkpoint file", async () => {
    expect((await outputValue(program.drift!.studentbook!)).repairs).toEqual({
      signature: 3,
      attestation: 1,
      attachment: 0,
      sbomFile: 0,
      manifest: 0,
      tag: 0,
      ociArchive: 0,
    });
    expect(mocks.resources.filter((r) => r.type === "pulumi:pulumi:StackReference")).toEqual([]);
  });
});
