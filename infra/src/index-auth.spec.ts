import { beforeAll, describe, expect, it } from "vitest";
import { stepEnvironment, scriptOf, holdsSecretInput, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;

beforeAll(async () => {
  const auth = JSON.stringify({ enabled: true, users: [{ username: "alice", password: "reg-pw" }] });
  const run = await runLabProgram({ cosignPassword: "key-pw", registryAuth: auth }, ["cosignPassword", "registryAuth"]);
  mocks = run.mocks;
  await valueOf(run.program.appRef!);
});

describe("the lab program with registry auth", () => {
  it("hands registry passwords and key material to resources only as secrets", () => {
    const custom = mocks.resources.filter((r) => r.custom);
    expect(custom.length).toBeGreaterThan(10);
    for (const resource of custom) {
      if (/reg-pw|key-pw/.test(JSON.stringify(resource.inputs))) {
        expect(holdsSecretInput(resource.inputs), `${resource.name} holds a secret in the clear`).toBe(true);
      }
      expect(String(scriptOf(resource) ?? ""), resource.name).not.toMatch(/reg-pw|key-pw/);
    }
  });

  it("passes the credentials to the signing steps and waits for a 401 from the registry", () => {
    expect(stepEnvironment(mocks.named("studentbook-sign"))).toMatchObject({ LAB_REGISTRY_USERNAME: "alice", LAB_REGISTRY_PASSWORD: "reg-pw" });
    expect(scriptOf(mocks.named("registry-ready"))).toContain("= 401 ]");
  });
});
