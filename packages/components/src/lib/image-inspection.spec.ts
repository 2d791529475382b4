import { beforeAll, describe, expect, it } from "vitest";
import { scriptOf, installRecordingMocks, outputValue, type RecordingMocks } from "../testing/recording-mocks.js";
import { summariseInspection } from "./image-inspection.js";

const DIGEST = `sha256:${"d".repeat(64)}`;
const REF = `localhost:5001/studentbook@${DIGEST}`;
let mocks: RecordingMocks;
let module: typeof import("./image-inspection.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./image-inspection.js");
});

describe("ImageInspection", () => {
  it("runs skopeo inspect on the digest and keeps digest, layers and creation time", async () => {
    const inspection = new module.ImageInspection("app", { ref: REF });
    const summary = await outputValue(inspection.summary);
    expect(scriptOf(mocks.named("app-inspect"))).toContain(`skopeo inspect --tls-verify=false docker://${REF}`);
    expect(summary.digest).toBe(DIGEST);
    expect(summary.layers).toHaveLength(1);
    expect(summary.created).toBe("2026-11-25T00:00:00Z");
  });
});

describe("summariseInspection", () => {
  it("fails when the registry reports another digest than the one pushed", () => {
    expect(() => summariseInspection(REF, JSON.stringify({ Digest: `sha256:${"e".repeat(64)}` }))).toThrow(
      /skopeo inspect reports digest sha256:e+, but .* was pushed/,
    );
  });
});
