import { orphanedEngineProcesses, probeManifest, probeTag } from "@signed-image-lab/tooling";
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCounts, dockerInventory, EngineLab, resourcesSummary } from "./engine-lab.js";

// The registry is the truth, under the real engine: a lost registry volume, a moved tag, a
// cancel of the npm process (SIGINT, SIGTERM) and a bad path, each healed or refused by one
// `lab:up`, after which stock cosign verifies and the registry serves the manifest.
const STACK = "truth";
const PORTS = { registryPort: "5067", appPort: "8098" };
const REGISTRY = `localhost:${PORTS.registryPort}`;

let lab: EngineLab;
const log: string[] = [];

async function config(args: string[]) {
  const set = await lab.pulumi(["config", ...args, "--stack", STACK]);
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
  await config(["set", "registryPort", PORTS.registryPort]);
  await config(["set", "appPort", PORTS.appPort]);
});

afterAll(async () => {
  console.log(`\n=== registry-truth suite\n${log.join("\n")}`);
  await lab?.npm("lab:destroy", STACK);
  lab?.remove();
});

/** `npm run lab:up`, timed, its summary logged. */
async function up(what: string): Promise<{ exitCode: number; output: string; seconds: number }> {
  const started = Date.now();
  const result = await lab.npm("lab:up", STACK);
  const seconds = (Date.now() - started) / 1000;
  const output = String(result.all);
  log.push(`${what}: exit ${result.exitCode} in ${seconds.toFixed(1)} s — ${resourcesSummary(output).replace(/\s+/g, " ")}`);
  return { exitCode: result.exitCode ?? -1, output, seconds };
}

/** Stock cosign verifies the deployed digest with the stack's public key, and the registry serves its manifest. */
async function judge(): Promise<string> {
  const outputs = await lab.outputs(STACK);
  const ref = outputs.verifiedRef as string;
  expect(await probeManifest(ref), `the registry serves ${ref}`).toBe(true);
  const keyFile = join(lab.tempDir("keys"), "lab.pub");
  writeFileSync(keyFile, outputs.publicKey as string);
  const verify = await execa("cosign", ["verify", "--key", keyFile, "--insecure-ignore-tlog", ref], { reject: false, all: true });
  expect(verify.exitCode, String(verify.all)).toBe(0);
  const attestation = await execa("cosign", ["verify-attestation", "--key", keyFile, "--insecure-ignore-tlog", "--type", "spdxjson", ref], {
    reject: false,
    all: true,
  });
  expect(attestation.exitCode, String(attestation.all)).toBe(0);
  return ref;
}

/** A second lab:up changes nothing. */
async function unchanged(what: string): Promise<void> {
  const again = await up(`${what}, then lab:up again`);
  expect(again.exitCode, again.output.slice(-3000)).toBe(0);
  expect(changeCounts(again.output)).toEqual([]);
}

/** lab:up that gets `signal` (to the npm process) when its output first matches `marker`. */
async function upCancelled(marker: RegExp, signal: NodeJS.Signals): Promise<{ exitCode: number; output: string; waitedMs: number }> {
  const running = lab.npmProcess("lab:up", STACK);
  let output = "";
  let sentAt = 0;
  running.all?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (!sentAt && marker.test(output)) {
      sentAt = Date.now();
      process.kill(running.pid!, signal);
    }
  });
  const result = await (running as ResultPromise);
  expect(sentAt, `never saw ${marker} in:\n${output.slice(-2000)}`).toBeGreaterThan(0);
  return { exitCode: result.exitCode ?? -1, output, waitedMs: Date.now() - sentAt };
}

describe("the registry is the truth, under the real engine", () => {
  it("lab:up from a fresh clone: verified by stock cosign, the manifest served", async () => {
    const first = await up("first lab:up");
    expect(first.exitCode, first.output.slice(-3000)).toBe(0);
    expect(first.output).toContain("all images as deployed");
    await judge();
  });

  it("heals a lost registry volume with one lab:up (pushed again, same digest, signed again), then nothing changes", async () => {
    const before = await judge();
    const volumes = (await execa("docker", ["inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", `${STACK}-registry`])).stdout
      .split(" ")
      .filter(Boolean);
    await execa("docker", ["rm", "-f", `${STACK}-registry`]);
    await execa("docker", ["volume", "rm", ...volumes]);
    const healed = await up("registry container and volume removed");
    expect(healed.exitCode, healed.output.slice(-4000)).toBe(0);
    expect(healed.output).toContain(`drift: the registry no longer serves ${before}; pushing the image again`);
    expect(healed.output).toMatch(/docker:index:Image studentbook replaced/);
    expect(healed.output).toContain("all images as deployed");
    expect(await judge()).toBe(before);
    await unchanged("volume lost");
  });

  it("puts a moved tag back on the verified digest with one lab:up and one warning, then nothing changes", async () => {
    const ref = await judge();
    const tag = `${REGISTRY}/studentbook:1.0`;
    const labImage = (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", tag])).stdout.trim();
    const context = lab.tempDir("other-image");
    writeFileSync(join(context, "Dockerfile"), `FROM ${tag}\nCOPY other.txt /other.txt\n`);
    writeFileSync(join(context, "other.txt"), "another image under the lab's tag\n");
    const other = (await execa("docker", ["build", "-q", "-t", tag, context])).stdout.trim();
    await execa("docker", ["push", "-q", tag]);
    // The local tag back on the lab's image: what this spec pushed is its own to remove.
    await execa("docker", ["tag", labImage, tag]);
    await execa("docker", ["image", "rm", other]);
    const moved = await probeTag(tag);
    expect(moved).not.toBe(ref.split("@")[1]);
    const status = await lab.npm("lab:status", STACK);
    expect(status.exitCode).toBe(1);
    expect(String(status.all)).toContain(`tag ${tag} now points to ${moved}`);

    const healed = await up("tag moved");
    expect(healed.exitCode, healed.output.slice(-4000)).toBe(0);
    const warning = `warning: drift: tag ${tag} points to ${moved} now, not ${ref.split("@")[1]}; putting it back on the verified digest`;
    expect(healed.output).toContain(warning);
    expect(changeCounts(healed.output)).toEqual(["+-1 replaced"]);
    expect(await probeTag(tag)).toBe(ref.split("@")[1]);
    expect(healed.output).toContain("all images as deployed");
    await judge();
    await unchanged("tag moved");
  });

  for (const [signal, marker] of [
    ["SIGINT", /docker:index:Image studentbook creating/],
    ["SIGTERM", /studentbook-scan creating/],
  ] as const) {
    it(`a ${signal} to the npm process cancels the update cleanly; one lab:up recovers`, async () => {
      const destroy = await lab.npm("lab:destroy", STACK);
      expect(destroy.exitCode, String(destroy.all).slice(-2000)).toBe(0);
      const cancelled = await upCancelled(marker, signal);
      log.push(
        `${signal} to npm at ${marker.source}: exit ${cancelled.exitCode}, ${(cancelled.waitedMs / 1000).toFixed(1)} s from the signal to the end — ${resourcesSummary(cancelled.output).replace(/\s+/g, " ")}`,
      );
      expect(cancelled.exitCode).not.toBe(0);
      expect(cancelled.output).toContain(`lab: cancelled by ${signal}: pulumi up stopped cleanly`);
      expect(await lab.pulumiPid(), "pulumi still running after npm ended").toBeUndefined();
      expect(orphanedEngineProcesses(lab.env().PULUMI_BACKEND_URL!), "engine processes left running").toEqual([]);
      const recovered = await up(`after ${signal}`);
      expect(recovered.exitCode, recovered.output.slice(-4000)).toBe(0);
      expect(recovered.output).toContain("all images as deployed");
      await judge();
    });
  }

  it("refuses a bad path in under 5 s wall, naming image.context, with no stack trace and no resource registered; one lab:up after the fix", async () => {
    const resourcesBefore = (
      JSON.parse(String((await lab.pulumi(["stack", "export", "--stack", STACK])).stdout)) as {
        deployment?: { resources?: { urn: string }[] };
      }
    ).deployment?.resources?.map((r) => r.urn);
    await config(["set", "image", JSON.stringify({ name: "studentbook", context: "no/such/folder" })]);
    const refused = await up("image.context pointing at no folder");
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toMatch(/signed-image-lab:image\.context: no folder \S+\/no\/such\/folder/);
    expect(refused.output).not.toMatch(/unhandled exception|at requireBuildSources|\n\s+at /);
    expect(refused.seconds).toBeLessThan(5);
    // The program's own pass, through the engine (what `pulumi up` run by hand gets).
    const started = Date.now();
    const engine = await lab.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK]);
    const engineSeconds = (Date.now() - started) / 1000;
    log.push(`bad path through pulumi up itself: exit ${engine.exitCode} in ${engineSeconds.toFixed(1)} s`);
    expect(engine.exitCode).not.toBe(0);
    expect(String(engine.all)).toMatch(/signed-image-lab:image\.context: no folder/);
    expect(String(engine.all)).not.toMatch(/unhandled exception|at requireBuildSources/);
    const resourcesAfter = (
      JSON.parse(String((await lab.pulumi(["stack", "export", "--stack", STACK])).stdout)) as {
        deployment?: { resources?: { urn: string }[] };
      }
    ).deployment?.resources?.map((r) => r.urn);
    expect(resourcesAfter).toEqual(resourcesBefore);

    await config(["set", "registryPort", "99999"]);
    const port = await up("registryPort 99999 and the bad path");
    expect(port.exitCode).not.toBe(0);
    expect(port.output).toMatch(/signed-image-lab:registryPort: must be 1 to 65535\n\s+signed-image-lab:image\.context: no folder/);
    expect(port.seconds).toBeLessThan(5);
    await config(["set", "registryPort", PORTS.registryPort]);
    await config(["rm", "image"]);
    const fixed = await up("after the fix");
    expect(fixed.exitCode, fixed.output.slice(-3000)).toBe(0);
    expect(changeCounts(fixed.output)).toEqual([]);
    await judge();
  });
});
