import * as pulumi from "@pulumi/pulumi";
import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FAKE_TRUSTED_ROOT,
  FAKE_TSA_CHAIN,
  FAKE_TSA_PRIVATE_KEY,
  holdsSecretInput,
  installRecordingMocks,
  isSecret,
  plain,
  scriptOf,
  stepEnvironment,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";

let mocks: RecordingMocks;
let module: typeof import("./timestamp-authority.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./timestamp-authority.js");
});

describe("TimestampAuthority", () => {
  it("makes its key and chain, runs the server on loopback with the key uploaded as a 0600 secret, then makes the trusted root", async () => {
    const tsa = new module.TimestampAuthority("tsa", { port: 3061, containerName: "trust-tsa", image: "example.test/tsa:1" });
    expect(await outputValue(tsa.trustedRoot)).toBe(FAKE_TRUSTED_ROOT);
    expect(tsa.tsaUrl).toBe("http://127.0.0.1:3061/api/v1/timestamp");

    const certificates = mocks.named("tsa-certificates");
    expect(certificates.inputs.logging).toBe("none");
    expect(scriptOf(certificates)).toContain("extendedKeyUsage=critical,timeStamping");

    const container = mocks.named("tsa", "docker:index/container:Container");
    expect(container.inputs.name).toBe("trust-tsa");
    expect(container.inputs.ports).toEqual([{ internal: 3000, external: 3061, ip: "127.0.0.1" }]);
    expect(container.inputs.command).toEqual(
      expect.arrayContaining(["serve", "--timestamp-signer", "file", "--file-signer-key-path", "/etc/tsa/tsa.key"]),
    );
    expect(holdsSecretInput(container.inputs.uploads)).toBe(true);
    expect(plain(container.inputs.uploads)).toEqual([
      { file: "/etc/tsa/tsa.key", content: FAKE_TSA_PRIVATE_KEY, permissions: "0600" },
      { file: "/etc/tsa/chain.pem", content: FAKE_TSA_CHAIN },
    ]);
    expect(mocks.named("tsa-image").inputs).toMatchObject({ name: "example.test/tsa:1", keepLocally: true });

    expect(scriptOf(mocks.named("tsa-ready"))).toContain("http://127.0.0.1:3061/api/v1/timestamp/certchain");
    const root = mocks.named("tsa-trusted-root");
    expect(stepEnvironment(root)).toEqual({ LAB_TSA_CERT_CHAIN: FAKE_TSA_CHAIN });
    expect(scriptOf(root)).toContain("cosign trusted-root create --tsa url=http://127.0.0.1:3061/api/v1/timestamp,certificate-chain=");
    for (const step of ["tsa-certificates", "tsa-ready", "tsa-trusted-root"])
      expect(scriptOf(mocks.named(step))).not.toContain("PRIVATE KEY-----");
    const order = mocks.resources.filter((r) => r.custom).map((r) => r.name);
    expect(order.indexOf("tsa-certificates")).toBeLessThan(order.indexOf("tsa"));
  });

  it("keeps the key secret and the chain and trusted root public", async () => {
    const tsa = new module.TimestampAuthority("t2", {});
    expect(tsa.tsaUrl).toBe("http://127.0.0.1:3030/api/v1/timestamp");
    expect(await outputValue(tsa.certificateChainPem)).toBe(FAKE_TSA_CHAIN);
    expect(await isSecret(tsa.certificateChainPem)).toBe(false);
    expect(await isSecret(tsa.trustedRoot)).toBe(false);
    expect(mocks.named("t2-image").inputs.name).toBe(PINNED_VERSIONS.timestampAuthority.image);
  });

  it("hands steps the trusted root and re-runs them when it changes, and adds nothing without timestamps", async () => {
    const trust = { tsaUrl: "http://127.0.0.1:3030/api/v1/timestamp", trustedRoot: pulumi.output('{"a":1}') };
    expect(await outputValue(module.timestampEnvironment(trust))).toEqual({ LAB_TRUSTED_ROOT: '{"a":1}' });
    expect(await outputValue(module.timestampEnvironment(undefined))).toEqual({});
    const [a] = module.timestampTriggers(trust);
    const [b] = module.timestampTriggers({ ...trust, trustedRoot: '{"a":2}' });
    expect(await outputValue(a!)).toMatch(/^timestamps:[a-f0-9]{64}$/);
    expect(await outputValue(a!)).not.toBe(await outputValue(b!));
    expect(module.timestampTriggers(undefined)).toEqual([]);
  });
});
