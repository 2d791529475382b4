import { beforeAll, describe, expect, it } from "vitest";
import { valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

const REF = `registry.example:5000/team/app@sha256:${"1".repeat(64)}`;
let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram(
    { cosignPassword: "pw", existingRegistry: "registry.example:5000", existingImageRef: REF, runApp: "false" },
    ["cosignPassword"],
  ));
  await valueOf(program.attestedRef!);
});

describe("the lab program on an existing registry and image", () => {
  it("signs, verifies and attests the given digest with command resources only (and reads its own last outputs)", async () => {
    expect(await valueOf(program.verifiedRef)).toBe(REF);
    expect(await valueOf(program.attestedRef!)).toBe(REF);
    const types = new Set(mocks.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:StackReference").map((r) => r.type));
    expect([...types]).toEqual(["command:local:Command"]);
    expect(program.appUrl).toBeUndefined();
  });
});
