import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { splitPemBlocks } from "../core/pem.js";
import { renderStepScript, type StepScript } from "../core/step-script.js";
import {
  parseTimestampAuthorityKey,
  startTimestampServerStep,
  timestampAuthorityKeyStep,
  timestampServerArgs,
  timestampUrl,
  TimestampEnv,
  trustedRootStep,
  waitForTimestampServerStep,
  type TimestampAuthorityKey,
} from "./timestamp-commands.js";

const run = promisify(execFile);

/** Runs a step through `sh` with only PATH and `env`, as a Command resource would. */
async function runStep(step: StepScript, env: Record<string, string> = {}) {
  return run("/bin/sh", ["-c", renderStepScript(step)], { env: { PATH: process.env.PATH ?? "", ...env } });
}

describe("timestamp authority key (real openssl through sh)", () => {
  let key: TimestampAuthorityKey;
  let script: string;

  beforeAll(async () => {
    script = renderStepScript(timestampAuthorityKeyStep({ commonName: "spec TSA", days: 2 }));
    key = parseTimestampAuthorityKey((await runStep(timestampAuthorityKeyStep({ commonName: "spec TSA", days: 2 }))).stdout);
  });

  it("makes a timestamping certificate with the one EKU timeStamping, issued by a CA root", () => {
    const [leaf, root] = splitPemBlocks(key.certificateChainPem).map((b) => new X509Certificate(b.text));
    expect(leaf!.subject).toBe("CN=spec TSA");
    expect(root!.subject).toBe("CN=spec TSA root");
    expect([leaf!.ca, root!.ca]).toEqual([false, true]);
    expect(leaf!.checkIssued(root!) && leaf!.verify(root!.publicKey)).toBe(true);
    expect(leaf!.keyUsage).toEqual(["1.3.6.1.5.5.7.3.8"]);
  });

  it("marks the extended key usage critical (RFC 3161; the timestamp-server refuses it otherwise)", async () => {
    const child = execFile("openssl", ["x509", "-noout", "-ext", "extendedKeyUsage"]);
    child.stdin!.end(splitPemBlocks(key.certificateChainPem)[0]!.text);
    const out = await new Promise<string>((resolve) => {
      let s = "";
      child.stdout!.on("data", (d) => (s += d)).on("end", () => resolve(s));
    });
    expect(out).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping/);
  });

  it("prints the timestamping key that belongs to the chain's first certificate, and not the root's key", () => {
    const leaf = new X509Certificate(splitPemBlocks(key.certificateChainPem)[0]!.text);
    expect(createPublicKey(createPrivateKey(key.privateKeyPem)).export({ format: "jwk" })).toEqual(
      leaf.publicKey.export({ format: "jwk" }),
    );
    expect(splitPemBlocks(key.privateKeyPem)).toHaveLength(1);
  });

  it("writes the keys into 0600 files of the step's private directory before any key material goes in", () => {
    expect(script).toMatch(/install -m 600 \/dev\/null "\$\{lab_tmp\}"\/root\.key\n.*genpkey .* -out "\$\{lab_tmp\}"\/root\.key/);
    expect(script).toMatch(/install -m 600 \/dev\/null "\$\{lab_tmp\}"\/tsa\.key\n.*genpkey .* -out "\$\{lab_tmp\}"\/tsa\.key/);
  });

  it("refuses output that is not one key and two certificates", () => {
    expect(() => parseTimestampAuthorityKey(key.certificateChainPem)).toThrow(/want a private key and two certificates/);
    expect(() => parseTimestampAuthorityKey("")).toThrow(/no PEM block/);
  });
});

describe("timestamp server and trust steps", () => {
  it("start the server on loopback with the file signer; the key goes through a 0600 file, never argv", () => {
    const step = startTimestampServerStep({ name: "trust-tsa", image: "example.test/tsa:1", hostPort: 3001 });
    const script = renderStepScript(step);
    expect(script).toContain("docker create --name trust-tsa --restart always -p 127.0.0.1:3001:3000 example.test/tsa:1 serve");
    expect(script).toContain(
      `install -m 600 /dev/null "\${lab_tmp}"/tsa.key\nlab_run 300 printenv ${TimestampEnv.privateKey} >"\${lab_tmp}"/tsa.key`,
    );
    expect(script).toContain(`docker cp "\${lab_tmp}"/tsa.key trust-tsa:/etc/tsa/tsa.key`);
    expect(timestampServerArgs()).toEqual(expect.arrayContaining(["--timestamp-signer", "file", "--disable-ntp-monitoring"]));
    expect(script).not.toMatch(/PRIVATE KEY/);
  });

  it("wait for the certificate chain endpoint and name the URL when it never answers", () => {
    const script = renderStepScript(waitForTimestampServerStep({ url: timestampUrl(3001), timeoutSeconds: 7 }));
    expect(script).toContain("http://127.0.0.1:3001/api/v1/timestamp/certchain");
    expect(script).toContain("did not answer http://127.0.0.1:3001/api/v1/timestamp/certchain with HTTP 200 within 7s");
  });

  it("make the trusted root from the chain in the environment, naming the TSA's URL", () => {
    const script = renderStepScript(trustedRootStep({ tsaUrl: timestampUrl(3001) }));
    expect(script).toContain(
      `cosign trusted-root create --tsa url=http://127.0.0.1:3001/api/v1/timestamp,certificate-chain="\${lab_tmp}"/chain.pem --out`,
    );
    expect(script).not.toMatch(/with-default-services/);
  });
});
