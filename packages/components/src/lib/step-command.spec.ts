import * as command from "@pulumi/command";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { installRecordingMocks } from "../test-support/recording-mocks.js";

let module: typeof import("./step-command.js");

beforeAll(async () => {
  await installRecordingMocks();
  module = await import("./step-command.js");
});
afterEach(() => vi.restoreAllMocks());

describe("stepCommand", () => {
  it("deletes the old resource before making its replacement when the step removes what it made", () => {
    const made = vi.spyOn(command.local, "Command");
    module.stepCommand("lab-scan", { script: "true", triggers: [1], deleteScript: "rm -f /lab/sbom.json" }, {});
    module.stepCommand("lab-sign", { script: "true", triggers: [1] }, {});
    const options = made.mock.calls.map(([name, , opts]) => [name, opts?.deleteBeforeReplace]);
    // Created first, the replacement's file would be removed by the original's delete script.
    expect(options).toEqual([
      ["lab-scan", true],
      ["lab-sign", undefined],
    ]);
  });
});
