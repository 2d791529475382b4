import { beforeAll, describe, expect, it } from "vitest";
import { scriptOf, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", registryTls: "true" }, ["cosignPassword"]));
  await valueOf(program.appRef!);
});

describe("the lab program with registry TLS", () => {
  it("makes the registry's CA and has every step trust its file", async () => {
    expect(program.registryCaFile).toMatch(/\.lab\/dev\/registry-ca\/ca\.crt$/);
    const caFile = program.registryCaFile!;
    expect(scriptOf(mocks.named("registry-ca-file"))).toContain(caFile);
    for (const step of ["studentbook-sign", "studentbook-verify", "studentbook-attest", "studentbook-verify-attestation"]) {
      expect(scriptOf(mocks.named(step)), step).toContain(`--registry-cacert ${caFile}`);
    }
    expect(scriptOf(mocks.named("studentbook-scan"))).toContain(`SYFT_REGISTRY_CA_CERT=${caFile}`);
  });
});
