import { publicKeyFingerprint } from "@signed-image-lab/tooling";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  stepEnvironment,
  scriptOf,
  FAKE_PRIVATE_KEY,
  FAKE_PUBLIC_KEY,
  installRecordingMocks,
  isSecret,
  isSecretInput,
  registeredUrns,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";

let mocks: RecordingMocks;
let module: typeof import("./signing-key.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./signing-key.js");
});

describe("SigningKey", () => {
  it("generates the pair with the password in the environment, never in the command", async () => {
    const key = new module.SigningKey("gen", { password: pulumi.secret("hunter2") });
    await outputValue(key.publicKeyPem);
    const generate = mocks.named("gen-generate");
    expect(scriptOf(generate)).toContain("generate-key-pair --output-key-prefix");
    expect(scriptOf(generate)).not.toContain("hunter2");
    expect(isSecretInput(generate.inputs.environment)).toBe(true);
    expect(stepEnvironment(generate)).toEqual({ COSIGN_PASSWORD: "hunter2" });
    expect(generate.inputs.logging).toBe("none");
  });

  it("keeps private key, password and signer environment secret and the public key public", async () => {
    const key = new module.SigningKey("secrets", { password: "pw" });
    expect(await isSecret(key.privateKeyPem!)).toBe(true);
    expect(await isSecret(key.signerEnvironment)).toBe(true);
    expect(await isSecret(key.publicKeyPem)).toBe(false);
    expect(await outputValue(key.privateKeyPem!)).toBe(FAKE_PRIVATE_KEY);
    expect(await outputValue(key.signerEnvironment)).toEqual({ COSIGN_PRIVATE_KEY: FAKE_PRIVATE_KEY, COSIGN_PASSWORD: "pw" });
    expect(await outputValue(key.keyRef)).toBe("env://COSIGN_PRIVATE_KEY");
    expect(await outputValue(key.publicKeyFingerprint)).toBe(publicKeyFingerprint(FAKE_PUBLIC_KEY));
  });

  it("derives the public key of an imported private key with cosign public-key", async () => {
    const key = new module.SigningKey("imported", {
      source: { kind: "import", privateKeyPem: pulumi.secret(FAKE_PRIVATE_KEY) },
      password: "pw",
    });
    expect(await outputValue(key.publicKeyPem)).toBe(FAKE_PUBLIC_KEY);
    const derive = mocks.named("imported-public-key");
    expect(scriptOf(derive)).toContain("cosign public-key --key env://COSIGN_PRIVATE_KEY");
    expect(isSecretInput(derive.inputs.environment)).toBe(true);
    expect(stepEnvironment(derive)).toEqual({ COSIGN_PRIVATE_KEY: FAKE_PRIVATE_KEY, COSIGN_PASSWORD: "pw" });
  });

  it("passes a KMS URI through and holds no private key", async () => {
    const key = new module.SigningKey("vault", {
      source: {
        kind: "kms",
        uri: "hashivault://lab",
        environment: { VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: pulumi.secret("t") },
      },
    });
    expect(await outputValue(key.keyRef)).toBe("hashivault://lab");
    await outputValue(key.publicKeyPem);
    expect(key.privateKeyPem).toBeUndefined();
    expect(scriptOf(mocks.named("vault-public-key"))).toContain("cosign public-key --key hashivault://lab");
    expect(await isSecret(key.signerEnvironment)).toBe(true);
  });

  it("refuses a generated key without password, naming the argument", () => {
    expect(() => new module.SigningKey("nopw", {})).toThrow(/password/);
  });

  it("parents its commands to the component", () => {
    expect(registeredUrns().some((urn) => urn.endsWith("signed-image-lab:signing:SigningKey$command:local:Command::gen-generate"))).toBe(
      true,
    );
  });
});
