import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orphanedEngineProcesses, stackLocks } from "@signed-image-lab/tooling";
import { join } from "node:path";
import { dockerInventory, EngineLab, resourcesSummary, type DockerInventory } from "./engine-lab.js";

// Faults under the real engine: the update killed, or the registry stopped, at several points;
// two updates at once. After each, one `lab:up` must end in a lab that verifies, and one
// `lab:destroy` must leave nothing.

let lab: EngineLab;
let before: DockerInventory;
const log: string[] = [];

beforeAll(async () => {
  before = await dockerInventory();
  lab = await EngineLab.clone();
  const first = await lab.npm("lab:up");
  expect(first.exitCode, String(first.all).slice(-3000)).toBe(0);
  const destroy = await lab.npm("lab:destroy");
  expect(destroy.exitCode).toBe(0);
});

afterAll(async () => {
  console.log(`\n=== fault suite\n${log.join("\n")}`);
  await lab?.npm("lab:destroy");
  lab?.remove();
});

/** Runs lab:up and, when its output first matches `marker`, does `fault`; resolves when lab:up ended. */
async function upWithFault(marker: RegExp, fault: () => Promise<void>): Promise<{ exitCode: number; output: string }> {
  const up = lab.npmProcess("lab:up");
  let output = "";
  let fired = false;
  const firing = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!fired && marker.test(output)) {
        fired = true;
        void fault().then(resolve);
      }
    };
    up.all?.on("data", onData);
    void (up as ResultPromise).finally(() => resolve());
  });
  const result = await up;
  await firing;
  expect(fired, `never saw ${marker} in:\n${output.slice(-2000)}`).toBe(true);
  return { exitCode: result.exitCode ?? -1, output };
}

async function killPulumi(): Promise<void> {
  const pid = await lab.pulumiPid();
  expect(pid, "the update's pulumi process").toBeDefined();
  process.kill(pid!, "SIGKILL");
}

async function stopRegistry(): Promise<void> {
  await execa("docker", ["stop", "dev-registry"]);
}

/** One lab:up must end verified; then one lab:destroy must leave what was there before. */
async function recoverAndDestroy(what: string, interrupted?: { exitCode: number; output: string }): Promise<string> {
  if (interrupted) expect(interrupted.exitCode, what).not.toBe(0);
  expect(orphanedEngineProcesses(lab.env().PULUMI_BACKEND_URL!), "engine processes left running").toEqual([]);
  const started = Date.now();
  const up = await lab.npm("lab:up");
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  expect(up.exitCode, String(up.all).slice(-4000)).toBe(0);
  expect(String(up.all)).toContain("all images as deployed");
  const said = /^lab: the last update of dev was interrupted: .*$/m.exec(String(up.all))?.[0] ?? "(nothing to recover)";
  const destroy = await lab.npm("lab:destroy");
  expect(destroy.exitCode, String(destroy.all)).toBe(0);
  const after = await dockerInventory();
  expect(after.containers).toEqual(before.containers);
  expect(after.volumes).toEqual(before.volumes);
  expect(after.images.filter((i) => !before.images.includes(i))).toEqual([]);
  const error = /lab: \S+ failed \(exit .*$|error: .*(connection refused|no such host|did not finish).*$/m.exec(
    interrupted?.output ?? "",
  )?.[0];
  log.push(
    `${what}: ${interrupted ? `exit ${interrupted.exitCode}` : "-"}${error ? ` (${error.trim()})` : ""}; one lab:up recovered in ${seconds} s — ${said} ${resourcesSummary(String(up.all)).replace(/\s+/g, " ")}; destroy clean`,
  );
  return String(up.all);
}

/** Where a fault strikes: the step, and the engine's line that says the step started. */
const POINTS: [string, RegExp][] = [
  ["build and push", /docker:index:Image studentbook creating/],
  ["cosign sign", /studentbook-sign creating/],
  ["syft scan", /studentbook-scan creating/],
  ["cosign attest", /studentbook-attest creating/],
];

describe("lab:up after a killed update", () => {
  for (const [what, marker] of POINTS) {
    it(`recovers with one lab:up after kill -9 of pulumi during ${what}`, async () => {
      const interrupted = await upWithFault(marker, async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await killPulumi();
      });
      const output = await recoverAndDestroy(`kill -9 during ${what}`, interrupted);
      expect(output).toMatch(/the last update of dev was interrupted: .*released the lock of pid \d+/);
    });
  }
});

describe("lab:up after the registry stopped", () => {
  for (const [what, marker] of POINTS) {
    it(`fails naming what broke, then recovers with one lab:up, when the registry stops during ${what}`, async () => {
      const interrupted = await upWithFault(marker, stopRegistry);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
      expect(interrupted.output).not.toMatch(/\u001b\[[0-9;]*m.*lab_run\(\)/);
      expect(interrupted.output).not.toContain("lab_run()");
      await recoverAndDestroy(`registry stopped during ${what}`, interrupted);
    });
  }

  it("restores a registry container removed while the lab was up", async () => {
    const up = await lab.npm("lab:up");
    expect(up.exitCode).toBe(0);
    await execa("docker", ["rm", "-f", "dev-registry"]);
    await recoverAndDestroy("registry container removed while up");
  });
});

describe("two updates at once", () => {
  it("refuses the second while the first runs, and the first ends verified", async () => {
    const first = lab.npmProcess("lab:up");
    let firstEnded = false;
    void first.finally(() => (firstEnded = true));
    // Start the second once the first holds the stack's lock (its update is under way).
    const stateDir = join(lab.root, ".pulumi-state");
    while (stackLocks(stateDir, "signed-image-lab", "dev").length === 0 && !firstEnded) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(firstEnded, "the first lab:up ended before it took the lock").toBe(false);
    const second = await lab.npm("lab:up");
    const done = await first;
    expect(second.exitCode).not.toBe(0);
    expect(String(second.all)).toMatch(/stack dev is being updated right now \(pid \d+|the stack is currently locked/);
    expect(done.exitCode, String(done.all).slice(-3000)).toBe(0);
    log.push(
      `two lab:up at once: the second refused (${/stack dev is being updated right now[^;]*|the stack is currently locked/.exec(String(second.all))?.[0]}), the first ended verified`,
    );
    await recoverAndDestroy("after two at once");
  });
});
