import * as pulumi from "@pulumi/pulumi";
import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { beforeAll, describe, expect, it } from "vitest";
import {
  stepEnvironment,
  scriptOf,
  FAKE_PUBLIC_KEY,
  holdsSecretInput,
  installRecordingMocks,
  isSecret,
  plain,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";

let mocks: RecordingMocks;
let module: typeof import("./vault-dev-server.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./vault-dev-server.js");
});

describe("VaultDevServer", () => {
  it("runs the dev server on loopback with the root token as a secret, then waits, enables transit and makes the key in order", async () => {
    const vault = new module.VaultDevServer("vault", { rootToken: pulumi.secret("root-t0ken"), image: "hashicorp/vault:1.18", port: 8201 });
    expect(await outputValue(vault.publicKeyPem)).toBe(FAKE_PUBLIC_KEY);
    expect(vault.keyRef).toBe("hashivault://lab-signer");
    expect(vault.address).toBe("http://127.0.0.1:8201");
    const container = mocks.named("vault", "docker:index/container:Container");
    expect(container.inputs.ports).toEqual([{ internal: 8200, external: 8201, ip: "127.0.0.1" }]);
    expect(holdsSecretInput(container.inputs.envs)).toBe(true);
    expect(plain(container.inputs.envs)).toEqual(
      expect.arrayContaining(["VAULT_DEV_ROOT_TOKEN_ID=root-t0ken", "BAO_DEV_ROOT_TOKEN_ID=root-t0ken"]),
    );
    expect(mocks.named("vault-image").inputs.name).toBe("hashicorp/vault:1.18");
    const order = mocks.resources.map((r) => r.name);
    expect(order.indexOf("vault-ready")).toBeLessThan(order.indexOf("vault-transit"));
    expect(order.indexOf("vault-transit")).toBeLessThan(order.indexOf("vault-key"));
    for (const step of ["vault-ready", "vault-transit", "vault-key"]) {
      const command = mocks.named(step);
      expect(stepEnvironment(command)).toEqual({ VAULT_ADDR: "http://127.0.0.1:8201", VAULT_TOKEN: "root-t0ken" });
      expect(scriptOf(command)).not.toContain("root-t0ken");
    }
    expect(scriptOf(mocks.named("vault-key"))).toContain("transit/keys/lab-signer type=ecdsa-p256");
  });

  it("hands cosign the address and token only as a secret environment", async () => {
    const vault = new module.VaultDevServer("v2", { rootToken: "t", port: 8202, keyName: "team-key" });
    expect(await isSecret(vault.environment)).toBe(true);
    expect(await outputValue(vault.environment)).toEqual({ VAULT_ADDR: "http://127.0.0.1:8202", VAULT_TOKEN: "t" });
    expect(vault.keyRef).toBe("hashivault://team-key");
    expect(mocks.named("v2-image").inputs.name).toBe(PINNED_VERSIONS.images.vaultDevServer);
  });
});
