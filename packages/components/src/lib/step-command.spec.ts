import * as command from "@pulumi/command";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { installRecordingMocks } from "../testing/recording-mocks.js";

let module: typeof import("./step-command.js");

beforeAll(async () => {
  await installRecordingMocks();
  module = await import("./step-command.js");
});
afterEach(() => vi.restoreAllMocks());

describe("stepCommand", () => {
  it("deletes the original before making the replacement only for a step that asks", () => {
    const made = vi.spyOn(command.local, "Command");
    module.stepCommand("lab-archive", { script: "true", triggers: [1], deleteScript: "rm -f /lab/x.oci.tar", deleteFirst: true }, {});
    module.stepCommand("lab-scan", { script: "true", triggers: [1], deleteScript: "rm -f /lab/sbom.json" }, {});
    expect(made.mock.calls.map(([name, , opts]) => [name, opts?.deleteBeforeReplace])).toEqual([
      ["lab-archive", true],
      ["lab-scan", undefined],
    ]);
  });

  it("the pipeline's archive step asks (a re-made archive is the same file), and nothing depends on it", async () => {
    const made = vi.spyOn(command.local, "Command");
    const { SigningPipeline } = await import("./signing-pipeline.js");
    const { fakeKeyMaterial, outputValue } = await import("../testing/recording-mocks.js");
    const pipeline = new SigningPipeline("dbr", {
      registry: { endpoint: "localhost:5001" },
      image: { kind: "existing", ref: `localhost:5001/dbr@sha256:${"3".repeat(64)}` },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
    });
    await outputValue(pipeline.ociArchive);
    const deleteFirst = made.mock.calls.filter(([, , opts]) => opts?.deleteBeforeReplace).map(([name]) => name);
    // Pulumi replaces the dependents of a delete-first step too: the scan (which the app depends on) must not be one.
    expect(deleteFirst).toEqual(["dbr-archive"]);
  });
});
