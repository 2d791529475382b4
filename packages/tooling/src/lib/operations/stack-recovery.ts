import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { STEP_TMP_PREFIX } from "../core/step-script.js";

/** A lock file of Pulumi's file backend: who took it. */
export interface StackLock {
  readonly file: string;
  readonly pid: number;
  readonly hostname: string;
  readonly timestamp: string;
}

/** One operation an interrupted update left in the state (`pending_operations`). */
export interface PendingOperation {
  readonly urn: string;
  readonly type: string;
  /** `creating`, `updating`, `deleting`, `reading`. */
  readonly operation: string;
  /** The container name, for a pending create of a docker container. */
  readonly containerName?: string;
}

/** Whether `pid` is a running Pulumi process (a reused pid of another program does not count). */
export function isPulumiProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.split("/").pop()?.startsWith("pulumi") ?? false;
  } catch {
    return false;
  }
}

/** Whether any process has `pid`. */
export function isRunning(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** The lock files of a stack in a file backend (`.pulumi/locks/organization/<project>/<stack>/`). */
export function stackLocks(stateDir: string, project: string, stack: string): StackLock[] {
  const dir = join(stateDir, ".pulumi", "locks", "organization", project, stack);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const content = JSON.parse(readFileSync(join(dir, f), "utf8")) as Partial<StackLock>;
      return { file: join(dir, f), pid: Number(content.pid), hostname: String(content.hostname), timestamp: String(content.timestamp) };
    });
}

/**
 * The locks an interrupted update left: taken on this host by a process that is gone. A lock
 * of a live Pulumi process, or of another host, is never stale.
 */
export function staleLocks(locks: readonly StackLock[], host: string, isLive: (pid: number) => boolean = isPulumiProcess): StackLock[] {
  return locks.filter((lock) => lock.hostname === host && !isLive(lock.pid));
}

/** The operations an interrupted update left pending in the stack's checkpoint file. */
export function pendingOperations(stateDir: string, project: string, stack: string): PendingOperation[] {
  const file = join(stateDir, ".pulumi", "stacks", project, `${stack}.json`);
  if (!existsSync(file)) return [];
  const checkpoint = JSON.parse(readFileSync(file, "utf8")) as {
    checkpoint?: {
      latest?: { pending_operations?: { type: string; resource: { urn: string; type: string; inputs?: { name?: string } } }[] };
    };
  };
  return (checkpoint.checkpoint?.latest?.pending_operations ?? []).map((op) => ({
    urn: op.resource.urn,
    type: op.resource.type,
    operation: op.type,
    containerName: op.resource.type === "docker:index/container:Container" ? op.resource.inputs?.name : undefined,
  }));
}

/**
 * How long a step may take from making its temporary directory to writing its pid there (the
 * next line of its script): a directory without a pid file older than this belongs to a step that
 * was stopped in between (or whose EXIT trap was cut short), never to one that is starting.
 */
export const STEP_START_GRACE_MS = 60_000;

/**
 * Step temporary directories (TMPDIR/lab-step.*) whose step shell is gone: a step killed with
 * SIGKILL cannot remove its own, and it may hold a registry credential or a TLS key. A
 * directory without a pid file counts once it is older than {@link STEP_START_GRACE_MS}.
 */
export function staleStepDirs(tmp: string, isLive: (pid: number) => boolean = isRunning, now = Date.now()): string[] {
  if (!existsSync(tmp)) return [];
  return readdirSync(tmp)
    .filter((name) => name.startsWith(STEP_TMP_PREFIX))
    .map((name) => join(tmp, name))
    .filter((dir) => {
      let pid: string;
      try {
        pid = readFileSync(join(dir, "pid"), "utf8").trim();
      } catch {
        try {
          return statSync(dir).isDirectory() && now - statSync(dir).mtimeMs > STEP_START_GRACE_MS;
        } catch {
          return false; // gone meanwhile
        }
      }
      // A pid file being written (empty) is a step starting, like no pid file at all.
      return pid === "" ? now - statSync(dir).mtimeMs > STEP_START_GRACE_MS : !isLive(Number(pid));
    });
}

/** Removes the given files or folders. */
export function removeAll(paths: readonly string[]): void {
  for (const path of paths) rmSync(path, { recursive: true, force: true });
}

/**
 * Engine processes (language host, provider plugins, step shells) an interrupted update left
 * running, orphaned to pid 1, recognised by the state backend of this checkout in their environment.
 */
export function orphanedEngineProcesses(backendUrl: string): number[] {
  const marker = `PULUMI_BACKEND_URL=${backendUrl}`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (ppid !== 1 || !/^pulumi-(resource|language)|^node$/.test(name)) continue;
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
