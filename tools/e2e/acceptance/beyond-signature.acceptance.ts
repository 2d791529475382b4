import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerInventory, EngineLab, resourcesSummary } from "./engine-lab.js";

// Beyond a signature, under the real engine: the attestation policy stops an update before the
// app runs and names the rule; once the policy passes, the admitted digest is promoted into a
// second registry with its signature and attestations, and stock cosign verifies it there.
const STACK = "gated";
const PORTS = { registryPort: "5071", appPort: "8071", promotion: "5072" };

let lab: EngineLab;
let publicKeyFile: string;

async function cosign(args: string[]) {
  return execa("cosign", args, { reject: false, all: true, env: { COSIGN_PASSWORD: "" } });
}

async function config(path: string, value: string) {
  const set = await lab.pulumi(["config", "set", "--path", path, value, "--stack", STACK]);
  expect(set.exitCode, String(set.all)).toBe(0);
}

beforeAll(async () => {
  const taken = (await dockerInventory()).containers.filter((name) => name.startsWith(`${STACK}-`));
  if (taken.length > 0) throw new Error(`a ${STACK} lab is already running here (${taken.join(", ")})`);
  lab = await EngineLab.clone();
  // lab.sh makes the file backend and its passphrase (lab:doctor already) before the stack takes config.
  await lab.npm("lab:doctor", STACK);
  const init = await lab.pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
  expect(init.exitCode, String(init.all)).toBe(0);
  await config("registryPort", PORTS.registryPort);
  await config("appPort", PORTS.appPort);
  await config("promotion.registryPort", PORTS.promotion);
});

afterAll(async () => {
  await lab?.npm("lab:destroy", STACK);
  lab?.remove();
});

describe("provenance, the attestation policy and promotion under the real engine", () => {
  it("stops lab:up at the policy when the SBOM lists a denied package: the rule is named, no app runs, nothing is promoted", async () => {
    await config("policy.deniedPackages[0]", "express");
    const up = await lab.npm("lab:up", STACK);
    console.log(`--- lab:up with express denied\n${resourcesSummary(String(up.all))}`);
    expect(up.exitCode).not.toBe(0);
    expect(String(up.all)).toContain("policy rule denied-packages violated");
    expect(String(up.all)).toMatch(/studentbook-policy/);
    const containers = (await dockerInventory()).containers;
    expect(containers).not.toContain(`${STACK}-studentbook-app`);
    const promoted = await execa(
      "curl",
      ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${PORTS.promotion}/v2/studentbook/tags/list`],
      { reject: false },
    );
    expect(String(promoted.stdout)).not.toBe("200");
  });

  it("with the package allowed: admits, promotes by digest, and stock cosign verifies signature, SBOM and provenance in the second registry", async () => {
    const removed = await lab.pulumi(["config", "rm", "--path", "policy.deniedPackages", "--stack", STACK]);
    expect(removed.exitCode, String(removed.all)).toBe(0);
    const up = await lab.npm("lab:up", STACK);
    console.log(`--- lab:up with the policy passing\n${resourcesSummary(String(up.all))}`);
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    const outputs = await lab.outputs(STACK);
    const digest = String(outputs.admittedRef).split("@")[1];
    expect(outputs.promotedRef).toBe(`localhost:${PORTS.promotion}/studentbook@${digest}`);
    publicKeyFile = join(lab.tempDir("keys"), "lab.pub");
    writeFileSync(publicKeyFile, outputs.publicKey);
    for (const args of [
      ["verify", "--key", publicKeyFile, "--insecure-ignore-tlog", outputs.promotedRef],
      ["verify-attestation", "--key", publicKeyFile, "--insecure-ignore-tlog", "--type", "spdxjson", outputs.promotedRef],
      ["verify-attestation", "--key", publicKeyFile, "--insecure-ignore-tlog", "--type", "slsaprovenance1", outputs.promotedRef],
    ]) {
      const verified = await cosign(args);
      expect(verified.exitCode, `${args.join(" ")}\n${String(verified.all)}`).toBe(0);
    }
    const again = await lab.npm("lab:up", STACK);
    expect(again.exitCode).toBe(0);
    expect(resourcesSummary(String(again.all))).not.toMatch(/created|replaced|updated|deleted/);
  });
});
