import { beforeAll, describe, expect, it } from "vitest";
import { stepEnvironment, scriptOf, holdsSecretInput, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram(
    {
      signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab-signer" }),
      vaultAddress: "http://127.0.0.1:8200",
      vaultToken: "root-token",
    },
    ["vaultToken"],
  ));
  await valueOf(program.verifiedRef);
});

describe("the lab program with the key in Vault (or OpenBao) transit", () => {
  it("signs through hashivault:// with the address and the token, as a secret, in the environment", () => {
    const sign = mocks.named("studentbook-sign");
    expect(scriptOf(sign)).toContain("cosign sign --key hashivault://lab-signer");
    expect(scriptOf(sign)).not.toContain("root-token");
    expect(stepEnvironment(sign)).toMatchObject({ VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: "root-token" });
    expect(holdsSecretInput(sign.inputs.environment)).toBe(true);
    expect(scriptOf(mocks.named("cosign-public-key"))).toContain("cosign public-key --key hashivault://lab-signer");
    expect(mocks.resources.some((r) => r.name === "cosign-generate")).toBe(false);
  });
});
