import { beforeAll, describe, expect, it } from "vitest";
import { scriptOf, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", transparency: "timestamps+log", signatureFormat: "bundle" }, ["cosignPassword"]));
  await valueOf(program.appRef!);
});

describe("the lab program with transparency: timestamps+log", () => {
  it("runs the lab's Rekor v2 beside its TSA and exports both URLs", () => {
    expect(program.transparency).toBe("timestamps+log");
    expect(program.transparencyLogUrl).toBe("http://127.0.0.1:3031");
    expect(program.timestampAuthorityUrl).toBe("http://127.0.0.1:3030/api/v1/timestamp");
    expect(mocks.named("rekor", "docker:index/container:Container").inputs.name).toBe("dev-rekor");
    expect(scriptOf(mocks.named("tsa-trusted-root"))).toContain("--rekor url=http://127.0.0.1:3031,");
  });

  it("logs every signature and attestation, and every verification requires the entry: no --insecure-ignore-tlog anywhere", () => {
    for (const step of ["studentbook-sign", "studentbook-attest"]) {
      expect(scriptOf(mocks.named(step)), step).toContain("--rekor url=http://127.0.0.1:3031,api-version=2,");
    }
    for (const step of ["studentbook-verify", "studentbook-verify-attestation"]) {
      expect(scriptOf(mocks.named(step)), step).toMatch(/--trusted-root \S+ --use-signed-timestamps/);
      expect(scriptOf(mocks.named(step)), step).not.toContain("--insecure-ignore-tlog");
    }
  });
});
