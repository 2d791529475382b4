import { execa } from "execa";
import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCounts, dockerInventory, EngineLab, resourcesSummary } from "./engine-lab.js";

// `npm run lab:explain` on a real lab: every seed step printed with what the lab ran, and every
// check it prints passes as printed, from the clone's root, against the running lab.
const STACK = "explain";
const PORTS = { registryPort: "5083", appPort: "8099" };

let lab: EngineLab;

/** The explanation as data (`lab:explain -- --json`). */
interface Explained {
  readonly setup: string[];
  readonly steps: { seed: string; ran: string[]; result: string[]; check: string[] }[];
}

beforeAll(async () => {
  const taken = (await dockerInventory()).containers.filter((name) => name.startsWith(`${STACK}-`));
  if (taken.length > 0) throw new Error(`a ${STACK} lab is already running here (${taken.join(", ")})`);
  lab = await EngineLab.clone();
  await lab.npm("lab:doctor", STACK);
  const init = await lab.pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
  expect(init.exitCode, String(init.all)).toBe(0);
  for (const [key, value] of Object.entries(PORTS)) {
    const set = await lab.pulumi(["config", "set", key, value, "--stack", STACK]);
    expect(set.exitCode, String(set.all)).toBe(0);
  }
  const up = await lab.npm("lab:up", STACK);
  expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
});

afterAll(async () => {
  await lab?.npm("lab:destroy", STACK);
  lab?.remove();
});

describe("lab:explain under the real engine", () => {
  let explained: Explained;

  it("prints every seed step with the commands the lab ran and its results", async () => {
    const text = await lab.npm("lab:explain", STACK);
    expect(text.exitCode, String(text.all)).toBe(0);
    console.log(`--- lab:explain\n${String(text.stdout)}`);
    const json = await execa("npm", ["run", "-s", "lab:explain", "--", "--json"], {
      cwd: lab.root,
      env: { LAB_STACK: STACK },
      reject: false,
    });
    expect(json.exitCode, String(json.stderr)).toBe(0);
    explained = JSON.parse(String(json.stdout)) as Explained;
    expect(explained.steps.map((s) => s.seed)).toEqual([
      "1.1",
      "1.2",
      "1.3",
      "1.4",
      "1.5",
      "2.1",
      "2.2",
      "3.0",
      "3.1",
      "3.2",
      "challenge 1",
      "challenge 2",
    ]);
    expect(explained.steps.find((s) => s.seed === "3.0")?.ran.join("\n")).toContain("cosign sign --key env://COSIGN_PRIVATE_KEY");
  });

  it("each check passes as printed against the running lab", async () => {
    const checks = explained.steps.flatMap((s) => s.check.map((line) => [s.seed, line] as const));
    expect(checks.length).toBeGreaterThan(10);
    for (const [seed, line] of checks) {
      const run = await execa("bash", ["-euo", "pipefail", "-c", [...explained.setup, line].join("\n")], {
        cwd: lab.root,
        reject: false,
        all: true,
      });
      expect(run.exitCode, `${seed}: ${line}\n${String(run.all)}`).toBe(0);
    }
  });

  it("re-makes a deleted OCI archive, which stays there, re-running that step alone, and then changes nothing", async () => {
    const before = (await lab.outputs(STACK)).images.studentbook;
    rmSync(before.ociArchive.file);
    const healed = await lab.npm("lab:up", STACK);
    expect(healed.exitCode, String(healed.all).slice(-3000)).toBe(0);
    expect(String(healed.all)).toContain("drift: ociArchive of");
    expect(resourcesSummary(String(healed.all))).toMatch(/\+-1 replaced/);
    // The original's delete script ran before the replacement: it never removes what the replacement wrote.
    expect(existsSync(before.ociArchive.file)).toBe(true);
    const again = await lab.npm("lab:up", STACK);
    expect(changeCounts(String(again.all)), resourcesSummary(String(again.all))).toEqual([]);
  });
});
