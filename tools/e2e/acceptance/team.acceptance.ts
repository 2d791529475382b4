import { execa } from "execa";
import { randomBytes } from "node:crypto";
import { copyFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_BIN } from "../support/lab-tools.js";
import { deleteStateRows, stateRows, teamStateOrSkip } from "../support/team-state.js";
import { changeCounts, dockerInventory, EngineLab, resourcesSummary } from "./engine-lab.js";

// Team mode under the real engine: two clones of this repository (two engineers) share stack
// `team` in a real PostgreSQL (tools/bootstrap/postgres.sh) through LAB_TEAM_ENV. The stack file
// goes from clone A to clone B as git would carry it. Ports 5041 (registry) and 8094 (app).

const STACK = "team";
const PROJECT = "signed-image-lab";
const CONTAINERS = [`${STACK}-registry`, `${STACK}-studentbook-app`];
const team = await teamStateOrSkip("team acceptance");

/** `type name` of each resource an update replaced, updated, created or deleted, from its progress lines. */
function changedResources(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const names = [...plain.matchAll(/^\s*(?:\+-|~|\+|-)\s+(\S+:\S+)\s+(\S+)\s+(?:replaced|updated|created|deleted)\b/gm)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  return [...new Set(names)].sort();
}

describe.skipIf(!team)("team mode: two clones share one lab through PostgreSQL (real engine)", () => {
  let a: EngineLab;
  let b: EngineLab;
  let envFile: string;
  const log: string[] = [];

  /** The clones use this checkout's pinned tools (the README path's obtaining is engine.acceptance's). */
  const npmEnv = () => ({
    LAB_TEAM_ENV: envFile,
    PATH: [process.env.LAB_ENGINE_BIN, process.env.PATH, PROJECT_BIN].filter(Boolean).join(delimiter),
  });

  const passphrase = randomBytes(18).toString("base64url");

  function pulumi(clone: EngineLab, args: string[]) {
    return execa(team!.pulumi, [...args, "--non-interactive"], {
      cwd: clone.root,
      env: { ...team!.env, PULUMI_CONFIG_PASSPHRASE: passphrase, PULUMI_SKIP_UPDATE_CHECK: "true" },
      reject: false,
      all: true,
    });
  }

  /** `git pull` of the stack file: what clone A committed, clone B now has. */
  const pullStackFile = () => copyFileSync(join(a.root, `Pulumi.${STACK}.yaml`), join(b.root, `Pulumi.${STACK}.yaml`));

  const locks = async () =>
    (await stateRows(team!)).filter((r) => r.key.includes(`/.pulumi/locks/`) && r.key.includes(`/${PROJECT}/${STACK}/`));

  beforeAll(async () => {
    const taken = (await dockerInventory()).containers.filter((name) => CONTAINERS.includes(name));
    if (taken.length > 0) throw new Error(`a lab of stack ${STACK} runs here already (${taken.join(", ")})`);
    if ((await stateRows(team!)).some((r) => r.key.endsWith(`/.pulumi/stacks/${PROJECT}/${STACK}.json`))) {
      throw new Error(`stack ${STACK} exists in the team backend already: destroy and remove it first`);
    }
    [a, b] = [await EngineLab.clone(), await EngineLab.clone()];
    envFile = join(a.tempDir("team"), "team.env");
    const lines = Object.entries({ ...team!.env, PULUMI_CONFIG_PASSPHRASE: passphrase }).map(([k, v]) => `${k}=${v}\n`);
    writeFileSync(envFile, lines.join(""), { mode: 0o600 });

    // Clone A makes the environment; both clones install and build (lab:doctor) before the race.
    for (const args of [
      ["stack", "init", STACK, "--secrets-provider", "passphrase"],
      ["config", "set", "registryPort", "5041", "--stack", STACK],
      ["config", "set", "appPort", "8094", "--stack", STACK],
    ]) {
      const result = await pulumi(a, args);
      expect(result.exitCode, String(result.all)).toBe(0);
    }
    pullStackFile();
    for (const clone of [a, b]) {
      const doctor = await clone.npm("lab:doctor", STACK, npmEnv());
      expect(doctor.exitCode, String(doctor.all).slice(-3000)).toBe(0);
    }
  });

  afterAll(async () => {
    console.log(`\n=== team acceptance\n${log.join("\n")}`);
    if (b) {
      await b.npm("lab:destroy", STACK, npmEnv());
      await pulumi(b, ["stack", "rm", "--force", "--yes", "--stack", STACK]);
    }
    await deleteStateRows(team!, `%/.pulumi/%/${PROJECT}/${STACK}%`);
    a?.remove();
    b?.remove();
  });

  it("lab:up from clone A; a concurrent lab:up from clone B is refused by the lock in PostgreSQL", async () => {
    const first = a.npmProcess("lab:up", STACK, npmEnv());
    let firstEnded = false;
    void first.finally(() => (firstEnded = true));
    while ((await locks()).length === 0 && !firstEnded) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(firstEnded, "clone A's lab:up ended before it took the lock").toBe(false);
    const holder = JSON.parse((await locks())[0]!.text) as { pid: number; hostname: string };

    // Clone B's lab:up builds and runs its preflight before it reaches the lock, which can take
    // longer than A's whole update on a busy machine: hold A's update at its registry (paused)
    // until B has been refused, so that the two updates really overlap.
    const registry = `${STACK}-registry`;
    const running = async () =>
      (await execa("docker", ["inspect", "-f", "{{.State.Running}}", registry], { reject: false })).stdout.trim() === "true";
    while (!(await running()) && !firstEnded) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(firstEnded, "clone A's lab:up ended before its registry ran").toBe(false);
    await execa("docker", ["pause", registry]);
    let second: Awaited<ReturnType<typeof b.npm>>;
    try {
      second = await b.npm("lab:up", STACK, npmEnv());
    } finally {
      await execa("docker", ["unpause", registry]);
    }
    const done = await first;
    expect(second.exitCode).not.toBe(0);
    expect(String(second.all)).toMatch(/the stack is currently locked by 1 lock/);
    expect(String(second.all)).toContain(`(pid ${holder.pid})`);
    expect(done.exitCode, String(done.all).slice(-3000)).toBe(0);
    expect(String(done.all)).toContain("all images as deployed");
    expect(await locks()).toEqual([]);
    log.push(`lab:up from A: ${resourcesSummary(String(done.all)).replace(/\s+/g, " ")}`);
    log.push(`concurrent lab:up from B refused: ${/the stack is currently locked[^\n]*/.exec(String(second.all))?.[0]}`);

    const inventory = await dockerInventory();
    expect(inventory.containers).toEqual(expect.arrayContaining(CONTAINERS));
    const app = await fetch("http://127.0.0.1:8094/students", { signal: AbortSignal.timeout(10_000) });
    expect(app.status).toBe(200);
  });

  it("lab:status from clone B sees clone A's deployment, re-verified against the registry", async () => {
    pullStackFile();
    const outputs = await pulumi(b, ["stack", "output", "--json", "--stack", STACK]);
    expect(outputs.exitCode, String(outputs.all)).toBe(0);
    expect((JSON.parse(String(outputs.stdout)) as { registryEndpoint: string }).registryEndpoint).toMatch(/:5041$/);
    const status = await b.npm("lab:status", STACK, npmEnv());
    expect(status.exitCode, String(status.all).slice(-3000)).toBe(0);
    expect(String(status.all)).toContain("all images as deployed");
    expect(String(status.all)).not.toContain("MISMATCH");
    log.push("lab:status from B: all images as deployed");
  });

  it("lab:up from clone B re-makes only its own SBOM file (a local artifact); a second one changes nothing", async () => {
    // The SBOM file lives in the checkout that ran the update (<workDir>/<stack>/): the drift
    // check, reading clone A's record from PostgreSQL, finds it missing here and makes it again.
    // The image records clone B's build context: updated in place, to the same digest.
    const digestRef = async () => {
      const result = await pulumi(b, ["stack", "output", "imageDigestRef", "--stack", STACK]);
      expect(result.exitCode, String(result.all)).toBe(0);
      return String(result.stdout).trim();
    };
    const before = await digestRef();
    const up = await b.npm("lab:up", STACK, npmEnv());
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    log.push(`first lab:up from B: ${resourcesSummary(String(up.all)).replace(/\s+/g, " ")}`);
    expect(String(up.all)).toMatch(
      /drift: sbomFile of localhost:5041\/studentbook@sha256:[0-9a-f]{64} gone since the last update; making again/,
    );
    const changed = changedResources(String(up.all));
    expect(changed.length).toBeGreaterThan(0);
    // Only the SBOM's chain (scan, attach, attest, verify-attestation, the policy judging it) among the commands, and
    // the image: no signature, key, registry or container changes; components may update outputs.
    const sbomChain = /^command:local:Command studentbook-(scan|sbom|attach|attest|verify-attestation|policy)/;
    const allowed = (entry: string) => sbomChain.test(entry) || entry === "docker:index:Image studentbook";
    expect(changed.filter((entry) => (entry.startsWith("command:") || entry.startsWith("docker:")) && !allowed(entry))).toEqual([]);
    expect(changed.some((entry) => sbomChain.test(entry))).toBe(true);
    expect(String(up.all)).not.toMatch(/docker:index:Image studentbook replac/);
    expect(await digestRef()).toBe(before);
    log.push(`  changed: ${changed.join(", ")}; imageDigestRef unchanged`);
    expect(String(up.all)).toContain("all images as deployed");

    const again = await b.npm("lab:up", STACK, npmEnv());
    expect(again.exitCode, String(again.all).slice(-3000)).toBe(0);
    log.push(`second lab:up from B: ${resourcesSummary(String(again.all)).replace(/\s+/g, " ")}`);
    expect(changeCounts(String(again.all)), String(again.all).slice(-6000)).toEqual([]);
  });

  it("lab:destroy from clone B takes the lab down; the stack in PostgreSQL holds no resources", async () => {
    const destroy = await b.npm("lab:destroy", STACK, npmEnv());
    expect(destroy.exitCode, String(destroy.all).slice(-3000)).toBe(0);
    log.push(`lab:destroy from B: ${resourcesSummary(String(destroy.all)).replace(/\s+/g, " ")}`);
    const inventory = await dockerInventory();
    expect(inventory.containers.filter((name) => CONTAINERS.includes(name))).toEqual([]);
    const exported = await pulumi(a, ["stack", "export", "--stack", STACK]);
    expect(exported.exitCode, String(exported.all)).toBe(0);
    expect((JSON.parse(String(exported.stdout)) as { deployment: { resources?: unknown[] } }).deployment.resources ?? []).toEqual([]);
  });
});
