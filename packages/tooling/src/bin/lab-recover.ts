#!/usr/bin/env node
// Run by `lab:up` before `pulumi up`: recovers, on its own, from an update that was killed on
// this machine. Releases a lock whose process is gone (never one a live pulumi holds), stops
// the engine processes the update left orphaned, removes step temp folders whose step was
// killed, and clears pending operations (removing a container that was half made, so the update
// makes it again). Says what it found and did in one line; nothing when there was nothing.
//
//   node packages/tooling/dist/bin/lab-recover.js --stack dev      (PULUMI_BACKEND_URL: the file backend)
//
// On another backend (team mode's PostgreSQL) only this machine's leftovers (orphaned engine
// processes, step temp folders) are cleaned: a lock or pending operation there may belong to
// another machine's live update, which this one cannot see. The CLI refuses an update while the
// stack is locked; `pulumi cancel` releases a lock once its holder (named in the error) is gone.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  orphanedEngineProcesses,
  pendingOperations,
  removeAll,
  stackLocks,
  staleLocks,
  staleStepDirs,
} from "../lib/operations/stack-recovery.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");

async function main(): Promise<number> {
  const stack = process.argv[process.argv.indexOf("--stack") + 1] ?? "dev";
  const backendUrl = process.env.PULUMI_BACKEND_URL ?? "";
  const project = /^name:\s*(\S+)/m.exec(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8"))?.[1] ?? "";
  const done: string[] = [];

  const orphans = orphanedEngineProcesses(backendUrl);
  for (const pid of orphans) process.kill(pid, "SIGTERM");
  if (orphans.length > 0) done.push(`stopped ${orphans.length} engine process(es) it left running`);
  const stepDirs = staleStepDirs(process.env.TMPDIR ?? tmpdir());
  removeAll(stepDirs);
  if (stepDirs.length > 0) done.push(`removed ${stepDirs.length} step temp folder(s) of killed steps`);

  if (backendUrl.startsWith("file://")) {
    const stateDir = fileURLToPath(backendUrl);
    const locks = stackLocks(stateDir, project, stack);
    const stale = staleLocks(locks, hostname());
    const held = locks.filter((l) => !stale.includes(l));
    if (held.length > 0) {
      const by = held.map((l) => `pid ${l.pid} on ${l.hostname} since ${l.timestamp}`).join(", ");
      console.error(`lab: stack ${stack} is being updated right now (${by}); wait for it, or stop that process`);
      return 1;
    }
    removeAll(stale.map((l) => l.file));
    if (stale.length > 0) done.push(`released the lock of ${stale.map((l) => `pid ${l.pid}`).join(", ")} (no longer running)`);

    const pending = pendingOperations(stateDir, project, stack);
    if (pending.length > 0) {
      for (const name of pending.flatMap((p) => (p.operation === "creating" && p.containerName ? [p.containerName] : []))) {
        await execa("docker", ["rm", "-f", "-v", name], { reject: false });
      }
      const refresh = await execa("pulumi", ["refresh", "--clear-pending-creates", "--yes", "--skip-preview", "--stack", stack], {
        reject: false,
        all: true,
      });
      if (refresh.exitCode !== 0) throw new Error(`pulumi refresh --clear-pending-creates failed:\n${refresh.all}`);
      done.push(
        `cleared ${pending.length} pending operation(s) (${pending.map((p) => `${p.operation} ${p.urn.split("::").pop()}`).join(", ")}) to make again`,
      );
    }
  }
  if (done.length > 0) console.log(`lab: the last update of ${stack} was interrupted: ${done.join("; ")}.`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`lab-recover: ${(error as Error).message}`);
  process.exitCode = 1;
}
