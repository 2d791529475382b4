import { beforeAll, describe, expect, it } from "vitest";
import { stepEnvironment, scriptOf, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram({ vaultDevServer: JSON.stringify({ keyName: "lab-signer" }), vaultToken: "root-t0ken" }, ["vaultToken"]));
  await valueOf(program.attestedRef!);
});

describe("the lab program with its own vault dev server", () => {
  it("signs and attests through the dev server's transit key, after the key exists", () => {
    expect(program.vaultAddress).toBe("http://127.0.0.1:8200");
    const order = mocks.resources.map((r) => r.name);
    expect(order.indexOf("studentbook-sign")).toBeGreaterThan(order.indexOf("vault-key"));
    const sign = mocks.named("studentbook-sign");
    expect(scriptOf(sign)).toContain("cosign sign --key hashivault://lab-signer");
    expect(stepEnvironment(sign)).toMatchObject({ VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: "root-t0ken" });
    expect(scriptOf(mocks.named("studentbook-attest"))).toContain("--key hashivault://lab-signer");
    expect(mocks.resources.some((r) => r.name === "cosign-generate")).toBe(false);
  });
});
