import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FAKE_LOG_PRIVATE_KEY,
  FAKE_LOG_PUBLIC_KEY,
  holdsSecretInput,
  installRecordingMocks,
  isSecret,
  plain,
  scriptOf,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";

let mocks: RecordingMocks;
let module: typeof import("./transparency-log.js");
let tsaModule: typeof import("./timestamp-authority.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./transparency-log.js");
  tsaModule = await import("./timestamp-authority.js");
});

describe("TransparencyLog", () => {
  it("makes its key, runs Rekor v2 on loopback with the key uploaded as a 0600 secret and its tiles on a volume, then waits", async () => {
    const log = new module.TransparencyLog("rekor", { port: 3062, containerName: "trust-rekor" });
    expect(log.url).toBe("http://127.0.0.1:3062");
    expect(await outputValue(log.publicKeyPem)).toBe(FAKE_LOG_PUBLIC_KEY);
    expect(await isSecret(log.publicKeyPem)).toBe(false);
    expect(mocks.named("rekor-log-key").inputs.logging).toBe("none");
    const container = mocks.named("rekor", "docker:index/container:Container");
    expect(container.inputs.name).toBe("trust-rekor");
    expect(container.inputs.ports).toEqual([{ internal: 3000, external: 3062, ip: "127.0.0.1" }]);
    expect(container.inputs.command).toEqual(
      expect.arrayContaining(["--hostname", "127.0.0.1", "--signer-filepath", "/etc/rekor/log.key"]),
    );
    expect(container.inputs.volumes).toEqual([{ volumeName: "rekor-data-volume", containerPath: "/var/lib/rekor" }]);
    expect(holdsSecretInput(container.inputs.uploads)).toBe(true);
    expect(plain(container.inputs.uploads)).toEqual([{ file: "/etc/rekor/log.key", content: FAKE_LOG_PRIVATE_KEY, permissions: "0600" }]);
    expect(scriptOf(mocks.named("rekor-ready"))).toContain("http://127.0.0.1:3062/healthz");
    expect(mocks.named("rekor-image").inputs.name).toBe(PINNED_VERSIONS.rekorTiles.image);
  });

  it("puts its key into the TSA's trusted root, and marks the trust as timestamps+log", async () => {
    const log = new module.TransparencyLog("rk2", {});
    const tsa = new tsaModule.TimestampAuthority("tsa2", { port: 3063, log: { url: log.url, publicKeyPem: log.publicKeyPem } });
    await outputValue(tsa.trustedRoot);
    const root = mocks.named("tsa2-trusted-root");
    expect(scriptOf(root)).toContain("--rekor url=http://127.0.0.1:3031,public-key=");
    expect(scriptOf(root)).toContain("/rekor.pub,start-time=2020-01-01T00:00:00Z,origin=127.0.0.1");
    expect(plain(root.inputs.environment).LAB_REKOR_PUBLIC_KEY).toBe(FAKE_LOG_PUBLIC_KEY);
    expect(tsa.logUrl).toBe("http://127.0.0.1:3031");
    expect(await outputValue(tsaModule.timestampTriggers(tsa)[0]!)).toMatch(/^timestamps\+log:[a-f0-9]{64}$/);
    expect(tsaModule.timestampSigning(tsa)).toEqual({ tsaUrl: "http://127.0.0.1:3063/api/v1/timestamp", logUrl: "http://127.0.0.1:3031" });
  });
});
