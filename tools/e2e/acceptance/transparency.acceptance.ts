import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCounts, dockerInventory, EngineLab, resourcesSummary } from "./engine-lab.js";

// transparency under the real Pulumi engine, on a stack and ports of its own (stack trust:
// registry 5051, app 8095, TSA 3095, Rekor v2 3096): lab:up with timestamps in a fresh clone,
// stock cosign verifies offline against the exported trusted root, a re-run changes nothing;
// then timestamps+log on the same stack, verified with log inclusion required; destroy removes
// the TSA and the log with the rest.

const STACK = "trust";
const CONTAINERS = ["trust-registry", "trust-studentbook-app", "trust-tsa", "trust-rekor"];
let lab: EngineLab;

async function cosign(args: string[]) {
  return execa("cosign", args, { reject: false, all: true, env: { COSIGN_PASSWORD: "" } });
}

beforeAll(async () => {
  const taken = (await dockerInventory()).containers.filter((name) => CONTAINERS.includes(name));
  if (taken.length > 0)
    throw new Error(`a trust lab is already running here (${taken.join(", ")}): LAB_STACK=trust npm run lab:destroy it first`);
  lab = await EngineLab.clone();
  // lab:doctor makes the file backend and the stack passphrase, as the first lab:up would.
  await lab.npm("lab:doctor", STACK);
  const settings = [
    ["stack", "init", STACK, "--secrets-provider", "passphrase"],
    ...[
      ["registryPort", "5051"],
      ["appPort", "8095"],
      ["signatureFormat", "bundle"],
      ["transparency", "timestamps"],
    ].map(([k, v]) => ["config", "set", k!, v!, "--stack", STACK]),
    ["config", "set", "--path", "timestampAuthority.port", "3095", "--stack", STACK],
  ];
  for (const args of settings) {
    const result = await lab.pulumi(args);
    if (result.exitCode !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.all}`);
  }
});

afterAll(async () => {
  await lab?.npm("lab:destroy", STACK);
  lab?.remove();
});

describe("transparency: timestamps under the real Pulumi engine", () => {
  // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the program exports, read as JSON
  let outputs: Record<string, any>;

  it("lab:up runs the TSA, signs and attests with timestamps, and verifies with them required", async () => {
    const up = await lab.npm("lab:up", STACK);
    console.log(`--- lab:up (transparency: timestamps)\n${resourcesSummary(String(up.all))}`);
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    expect(String(up.all)).toContain("all images as deployed");
    outputs = await lab.outputs(STACK);
    expect(outputs.transparency).toBe("timestamps");
    expect(outputs.timestampAuthorityUrl).toBe("http://127.0.0.1:3095/api/v1/timestamp");
    expect((await dockerInventory()).containers).toEqual(expect.arrayContaining(CONTAINERS.filter((c) => c !== "trust-rekor")));
  });

  it("stock cosign verifies the signature and the attestation offline against the exported trusted root, with timestamps required", async () => {
    const dir = lab.tempDir("trust");
    writeFileSync(join(dir, "trusted-root.json"), outputs.trustedRoot);
    writeFileSync(join(dir, "lab.pub"), outputs.publicKey);
    const trust = ["--trusted-root", join(dir, "trusted-root.json"), "--use-signed-timestamps", "--insecure-ignore-tlog"];
    const verify = await cosign(["verify", "--key", join(dir, "lab.pub"), ...trust, outputs.verifiedRef]);
    expect(verify.exitCode, String(verify.all)).toBe(0);
    const attestation = await cosign([
      "verify-attestation",
      "--key",
      join(dir, "lab.pub"),
      ...trust,
      "--type",
      "spdxjson",
      outputs.attestedRef,
    ]);
    expect(attestation.exitCode, String(attestation.all)).toBe(0);
    // A trusted root without the lab's TSA does not vouch for these timestamps.
    const foreignRoot = JSON.parse(outputs.trustedRoot) as { timestampAuthorities: unknown[] };
    foreignRoot.timestampAuthorities = [];
    writeFileSync(join(dir, "empty-root.json"), JSON.stringify(foreignRoot));
    const refused = await cosign([
      "verify",
      "--key",
      join(dir, "lab.pub"),
      "--trusted-root",
      join(dir, "empty-root.json"),
      "--use-signed-timestamps",
      "--insecure-ignore-tlog",
      outputs.verifiedRef,
    ]);
    expect(refused.exitCode).not.toBe(0);
  });

  it("keeps the TSA's key out of the state in plain text, and a re-run changes nothing", async () => {
    expect(lab.checkpoint(STACK)).not.toMatch(/PRIVATE KEY-----/);
    const preview = await lab.pulumi(["preview", "--expect-no-changes", "--stack", STACK]);
    expect(preview.exitCode, String(preview.all)).toBe(0);
    const up = await lab.npm("lab:up", STACK);
    expect(up.exitCode).toBe(0);
    expect(changeCounts(String(up.all))).toEqual([]);
  });

  it("switches to timestamps+log: Rekor v2 joins, everything is signed again into the log, and stock cosign verifies with log inclusion required", async () => {
    for (const args of [
      ["config", "set", "transparency", "timestamps+log", "--stack", STACK],
      ["config", "set", "--path", "transparencyLog.port", "3096", "--stack", STACK],
    ]) {
      const result = await lab.pulumi(args);
      expect(result.exitCode, String(result.all)).toBe(0);
    }
    const before = outputs;
    const up = await lab.npm("lab:up", STACK);
    console.log(`--- lab:up (timestamps -> timestamps+log)\n${resourcesSummary(String(up.all))}`);
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    expect(String(up.all)).toContain("all images as deployed");
    outputs = await lab.outputs(STACK);
    expect(outputs.transparency).toBe("timestamps+log");
    expect(outputs.transparencyLogUrl).toBe("http://127.0.0.1:3096");
    expect(outputs.trustedRoot).not.toBe(before.trustedRoot);
    const dir = lab.tempDir("trust-log");
    writeFileSync(join(dir, "trusted-root.json"), outputs.trustedRoot);
    writeFileSync(join(dir, "lab.pub"), outputs.publicKey);
    const trust = ["--trusted-root", join(dir, "trusted-root.json"), "--use-signed-timestamps"];
    const verify = await cosign(["verify", "--key", join(dir, "lab.pub"), ...trust, outputs.verifiedRef]);
    expect(verify.exitCode, String(verify.all)).toBe(0);
    expect(String(verify.all)).not.toMatch(/Skipping tlog verification/);
    const attestation = await cosign([
      "verify-attestation",
      "--key",
      join(dir, "lab.pub"),
      ...trust,
      "--type",
      "spdxjson",
      outputs.attestedRef,
    ]);
    expect(attestation.exitCode, String(attestation.all)).toBe(0);
    expect(lab.checkpoint(STACK)).not.toMatch(/PRIVATE KEY-----/);
    const preview = await lab.pulumi(["preview", "--expect-no-changes", "--stack", STACK]);
    expect(preview.exitCode, String(preview.all)).toBe(0);
  });

  it("lab:destroy removes the TSA and the log with the rest of the lab", async () => {
    const destroy = await lab.npm("lab:destroy", STACK);
    console.log(`--- lab:destroy (transparency: timestamps)\n${resourcesSummary(String(destroy.all))}`);
    expect(destroy.exitCode, String(destroy.all)).toBe(0);
    const left = (await dockerInventory()).containers.filter((name) => CONTAINERS.includes(name));
    expect(left).toEqual([]);
  });
});
