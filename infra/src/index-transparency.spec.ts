import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_TRUSTED_ROOT, scriptOf, stepEnvironment, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram(
    { cosignPassword: "pw", transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 3061 }) },
    ["cosignPassword"],
  ));
  await valueOf(program.appRef!);
});

describe("the lab program with transparency: timestamps", () => {
  it("runs the lab's TSA and exports its trusted root and URL", async () => {
    expect(program.transparency).toBe("timestamps");
    expect(await valueOf(program.trustedRoot!)).toBe(FAKE_TRUSTED_ROOT);
    expect(program.timestampAuthorityUrl).toBe("http://127.0.0.1:3061/api/v1/timestamp");
    expect(mocks.named("tsa", "docker:index/container:Container").inputs.name).toBe("dev-tsa");
  });

  it("signs and attests with timestamps from it, and every verification requires one from its trusted root", () => {
    for (const step of ["studentbook-sign", "studentbook-attest"]) {
      expect(scriptOf(mocks.named(step)), step).toContain("--signing-config");
      expect(scriptOf(mocks.named(step)), step).not.toContain("--tlog-upload");
      expect(stepEnvironment(mocks.named(step)).LAB_TRUSTED_ROOT, step).toBe(FAKE_TRUSTED_ROOT);
    }
    for (const step of ["studentbook-verify", "studentbook-verify-attestation"]) {
      expect(scriptOf(mocks.named(step)), step).toMatch(/--trusted-root \S+ --use-signed-timestamps/);
      expect(stepEnvironment(mocks.named(step)).LAB_TRUSTED_ROOT, step).toBe(FAKE_TRUSTED_ROOT);
    }
  });

  it("starts signing only once the trusted root exists", () => {
    const order = mocks.resources.filter((r) => r.custom).map((r) => r.name);
    expect(order.indexOf("tsa-trusted-root")).toBeGreaterThan(-1);
    expect(order.indexOf("studentbook-sign")).toBeGreaterThan(order.indexOf("tsa-trusted-root"));
  });
});
