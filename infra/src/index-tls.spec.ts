import { beforeAll, describe, expect, it } from "vitest";
import { valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
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
    expect(mocks.named("registry-ca-file").inputs.create).toContain(caFile);
    for (const step of ["studentbook-sign", "studentbook-verify", "studentbook-attest", "studentbook-verify-attestation"]) {
      expect(mocks.named(step).inputs.create, step).toContain(`--registry-cacert ${caFile}`);
    }
    expect(mocks.named("studentbook-scan").inputs.create).toContain(`SYFT_REGISTRY_CA_CERT=${caFile}`);
  });
});
