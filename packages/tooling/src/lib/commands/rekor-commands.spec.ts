import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  logKeyStep,
  parseLogKey,
  rekorServerArgs,
  rekorUrl,
  RekorEnv,
  startRekorServerStep,
  waitForRekorServerStep,
} from "./rekor-commands.js";
import { renderStepScript } from "../core/step-script.js";
import { trustedRootStep } from "./timestamp-commands.js";

const run = promisify(execFile);

describe("Rekor v2 steps", () => {
  it("make an Ed25519 log key in a 0600 file (real openssl) and print it with its public key", async () => {
    const script = renderStepScript(logKeyStep());
    expect(script).toMatch(
      /install -m 600 \/dev\/null "\$\{lab_tmp\}"\/log\.key\n.*genpkey -algorithm ed25519 -out "\$\{lab_tmp\}"\/log\.key/,
    );
    const key = parseLogKey((await run("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH ?? "" } })).stdout);
    const privateKey = createPrivateKey(key.privateKeyPem);
    expect(privateKey.asymmetricKeyType).toBe("ed25519");
    expect(createPublicKey(privateKey).export({ type: "spki", format: "pem" })).toBe(key.publicKeyPem);
    expect(() => parseLogKey(key.publicKeyPem)).toThrow(/want a private and a public key/);
  });

  it("start the log on loopback with its origin the host verifiers reach it at; the key goes through a 0600 file only", () => {
    const script = renderStepScript(startRekorServerStep({ name: "trust-rekor", image: "example.test/rekor:1", hostPort: 3031 }));
    expect(script).toContain("docker create --name trust-rekor --restart always -p 127.0.0.1:3031:3000 example.test/rekor:1 serve");
    expect(script).toContain(`printenv ${RekorEnv.privateKey} >"\${lab_tmp}"/log.key`);
    expect(rekorServerArgs()).toEqual(expect.arrayContaining(["--hostname", "127.0.0.1", "--grpc-address", "127.0.0.1"]));
    expect(new URL(rekorUrl(3031)).hostname).toBe("127.0.0.1");
    expect(renderStepScript(waitForRekorServerStep({ url: rekorUrl(3031), timeoutSeconds: 9 }))).toContain(
      "the transparency log did not answer http://127.0.0.1:3031/healthz with HTTP 200 within 9s",
    );
  });

  it("put the log into the trusted root with its public key file and origin, only when asked", () => {
    const withLog = renderStepScript(trustedRootStep({ tsaUrl: "http://127.0.0.1:3030/api/v1/timestamp", log: { url: rekorUrl(3031) } }));
    expect(withLog).toContain(`printenv ${RekorEnv.publicKey} >"\${lab_tmp}"/rekor.pub`);
    expect(withLog).toContain(
      `--rekor url=http://127.0.0.1:3031,public-key="\${lab_tmp}"/rekor.pub,start-time=2020-01-01T00:00:00Z,origin=127.0.0.1`,
    );
    expect(renderStepScript(trustedRootStep({ tsaUrl: "http://127.0.0.1:3030/api/v1/timestamp" }))).not.toContain("--rekor");
  });
});
