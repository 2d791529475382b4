import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isPulumiProcess, pendingOperations, STEP_START_GRACE_MS, stackLocks, staleLocks, staleStepDirs } from "./stack-recovery.js";

const root = mkdtempSync(join(tmpdir(), "stack-recovery-"));
const live = spawn("sleep", ["60"], { argv0: "pulumi", stdio: "ignore" });
afterAll(() => {
  live.kill();
  rmSync(root, { recursive: true, force: true });
});

/** A pid that was used and is gone now. */
function deadPid(): number {
  return Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
}

function writeLock(stateDir: string, name: string, pid: number, host: string): void {
  const dir = join(stateDir, ".pulumi", "locks", "organization", "signed-image-lab", "dev");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ pid, username: "root", hostname: host, timestamp: "2026-11-25T20:00:00Z" }));
}

describe("stale locks", () => {
  it("are this host's locks whose pulumi is gone; a live pulumi's lock and another host's are kept", () => {
    const state = join(root, "state-locks");
    writeLock(state, "dead", deadPid(), "this-host");
    writeLock(state, "alive", live.pid!, "this-host");
    writeLock(state, "elsewhere", deadPid(), "other-host");
    const locks = stackLocks(state, "signed-image-lab", "dev");
    expect(locks).toHaveLength(3);
    expect(isPulumiProcess(live.pid!)).toBe(true);
    expect(staleLocks(locks, "this-host").map((l) => l.file.split("/").pop())).toEqual(["dead.json"]);
  });

  it("counts a lock whose pid now belongs to another program as stale", () => {
    expect(isPulumiProcess(process.pid)).toBe(false);
    expect(staleLocks([{ file: "x", pid: process.pid, hostname: "h", timestamp: "" }], "h")).toHaveLength(1);
  });
});

describe("pendingOperations", () => {
  it("reads what an interrupted update left in the checkpoint, with the name of a half-made container", () => {
    const state = join(root, "state-pending");
    const dir = join(state, ".pulumi", "stacks", "signed-image-lab");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "dev.json"),
      JSON.stringify({
        version: 3,
        checkpoint: {
          latest: {
            pending_operations: [
              {
                type: "creating",
                resource: { urn: "urn:pulumi:dev::p::docker:index/image:Image::studentbook", type: "docker:index/image:Image" },
              },
              {
                type: "creating",
                resource: {
                  urn: "urn:pulumi:dev::p::docker:index/container:Container::registry",
                  type: "docker:index/container:Container",
                  inputs: { name: "dev-registry" },
                },
              },
            ],
          },
        },
      }),
    );
    expect(pendingOperations(state, "signed-image-lab", "dev")).toEqual([
      {
        urn: "urn:pulumi:dev::p::docker:index/image:Image::studentbook",
        type: "docker:index/image:Image",
        operation: "creating",
        containerName: undefined,
      },
      {
        urn: "urn:pulumi:dev::p::docker:index/container:Container::registry",
        type: "docker:index/container:Container",
        operation: "creating",
        containerName: "dev-registry",
      },
    ]);
    expect(pendingOperations(state, "signed-image-lab", "other")).toEqual([]);
  });
});

describe("staleStepDirs", () => {
  it("finds step temp folders whose shell is gone, not those of running or starting steps", () => {
    const tmp = join(root, "tmp");
    for (const [name, pid] of [
      ["lab-step.dead", deadPid()],
      ["lab-step.live", process.pid],
    ] as const) {
      mkdirSync(join(tmp, name), { recursive: true });
      writeFileSync(join(tmp, name, "pid"), `${pid}\n`);
    }
    mkdirSync(join(tmp, "lab-step.starting"));
    mkdirSync(join(tmp, "unrelated"));
    expect(staleStepDirs(tmp)).toEqual([join(tmp, "lab-step.dead")]);
    expect(existsSync(join(tmp, "lab-step.live"))).toBe(true);
  });

  it("counts a folder without a pid file as stale once it is older than a step can take to start", () => {
    const tmp = join(root, "tmp-no-pid");
    mkdirSync(join(tmp, "lab-step.cancelled"), { recursive: true });
    mkdirSync(join(tmp, "lab-step.half-written"));
    writeFileSync(join(tmp, "lab-step.half-written", "pid"), "");
    const made = statSync(join(tmp, "lab-step.cancelled")).mtimeMs;
    expect(staleStepDirs(tmp, () => true, made + 1000)).toEqual([]);
    expect(staleStepDirs(tmp, () => true, made + STEP_START_GRACE_MS + 1000).sort()).toEqual([
      join(tmp, "lab-step.cancelled"),
      join(tmp, "lab-step.half-written"),
    ]);
  });
});
