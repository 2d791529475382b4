import { execa, type Result, type ResultPromise } from "execa";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { PROJECT_BIN, REPO_ROOT } from "../support/lab-tools.js";

/** PATH without this checkout's .tools/bin: the clone must obtain its pinned tools itself. */
function pathWithoutProjectTools(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== PROJECT_BIN)
    .join(delimiter);
}

/** What the Docker daemon holds, to tell what a run left behind. */
export interface DockerInventory {
  readonly containers: string[];
  readonly volumes: string[];
  readonly networks: string[];
  readonly images: string[];
}

/** Lists containers, volumes, networks and image references the daemon has now. */
export async function dockerInventory(): Promise<DockerInventory> {
  const lines = async (...args: string[]) => (await execa("docker", args)).stdout.split("\n").filter(Boolean).sort();
  return {
    containers: await lines("ps", "-a", "--format", "{{.Names}}"),
    volumes: await lines("volume", "ls", "--format", "{{.Name}}"),
    networks: await lines("network", "ls", "--format", "{{.Name}}"),
    images: await lines("image", "ls", "--format", "{{.Repository}}:{{.Tag}}"),
  };
}

/** The Docker volumes a stack's state holds, from `pulumi stack export`'s JSON. */
export function stateVolumes(exported: string): string[] {
  const state = JSON.parse(exported) as { deployment: { resources?: { type: string; outputs?: { name?: string } }[] } };
  return (state.deployment.resources ?? []).filter((r) => r.type === "docker:index/volume:Volume").map((r) => r.outputs?.name ?? "");
}

/** The `Resources:` block of a `pulumi up`/`destroy` output, e.g. `+ 25 created`. */
export function resourcesSummary(output: string): string {
  const start = output.lastIndexOf("Resources:");
  if (start < 0) return "(no Resources summary)";
  return output.slice(start).split("\n\n")[0]!.trim();
}

/** Every count of the summary that is a change (created, updated, replaced, deleted …). */
export function changeCounts(output: string): string[] {
  return resourcesSummary(output)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[-+~]+\s*\d+ (to )?(create|update|replace|delete|created|updated|replaced|deleted)/.test(l));
}

/**
 * A fresh clone of this repository (HEAD plus the working tree's uncommitted changes, so the
 * suite tests what is in front of you) in a temporary folder, with its own file backend.
 */
export class EngineLab {
  readonly root: string;
  private readonly base: string;

  private constructor(base: string) {
    this.base = base;
    this.root = join(base, "signed-image-lab");
  }

  static async clone(): Promise<EngineLab> {
    const lab = new EngineLab(mkdtempSync(join(tmpdir(), "engine-acceptance-")));
    await execa("git", ["clone", "--quiet", "--no-hardlinks", REPO_ROOT, lab.root]);
    await lab.takeWorkingTree();
    return lab;
  }

  /** A fresh clone checked out at an older `commit`: {@link upgrade} later brings it to what is in front of you. */
  static async cloneAt(commit: string): Promise<EngineLab> {
    const lab = new EngineLab(mkdtempSync(join(tmpdir(), "engine-acceptance-")));
    await execa("git", ["clone", "--quiet", "--no-hardlinks", REPO_ROOT, lab.root]);
    await execa("git", ["-C", lab.root, "checkout", "--quiet", commit]);
    return lab;
  }

  /** Checks out this repository's HEAD with the working tree's changes, as a user pulls a new version. */
  async upgrade(): Promise<void> {
    // HEAD now, which may be newer than when the clone was made.
    await execa("git", ["-C", this.root, "fetch", "--quiet", REPO_ROOT, "HEAD"]);
    await execa("git", ["-C", this.root, "checkout", "--quiet", "FETCH_HEAD"]);
    await this.takeWorkingTree();
  }

  /** HEAD plus the working tree's uncommitted changes and untracked files of this repository. */
  private async takeWorkingTree(): Promise<void> {
    const diff = (await execa("git", ["-C", REPO_ROOT, "diff", "HEAD", "--binary"])).stdout;
    if (diff.trim()) await execa("git", ["-C", this.root, "apply", "--whitespace=nowarn", "-"], { input: `${diff}\n` });
    const untracked = (await execa("git", ["-C", REPO_ROOT, "ls-files", "--others", "--exclude-standard"])).stdout
      .split("\n")
      .filter(Boolean);
    for (const file of untracked) {
      mkdirSync(dirname(join(this.root, file)), { recursive: true });
      copyFileSync(join(REPO_ROOT, file), join(this.root, file));
    }
  }

  /** The environment lab.sh sets up for the pulumi CLI, for calls the suite makes itself. */
  env(): Record<string, string> {
    return {
      PULUMI_BACKEND_URL: `file://${this.root}/.pulumi-state`,
      PULUMI_CONFIG_PASSPHRASE_FILE: join(this.root, ".pulumi-state", "passphrase"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
    };
  }

  /** `npm run <script>` in the clone, as the README says, with the local images on this machine. */
  npm(script: string, stack = "dev", extraEnv: Record<string, string> = {}): Promise<Result> {
    return this.npmProcess(script, stack, extraEnv);
  }

  /** `npm run <script>` started, not awaited: its output streams on `.all`. */
  npmProcess(script: string, stack = "dev", extraEnv: Record<string, string> = {}): ResultPromise<{ all: true; reject: false }> {
    return execa("npm", ["run", script], {
      cwd: this.root,
      env: { LAB_LOCAL_IMAGES: "1", LAB_STACK: stack, PATH: pathWithoutProjectTools(), ...extraEnv },
      reject: false,
      all: true,
      timeout: 900_000,
    });
  }

  /** A pulumi CLI call against the clone's backend. */
  pulumi(args: string[], options: { input?: string } = {}): Promise<Result> {
    return execa("pulumi", args, { cwd: this.root, env: this.env(), reject: false, all: true, input: options.input, timeout: 600_000 });
  }

  /** `pulumi stack output --json` of a stack. */
  // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the program exports, read as JSON
  async outputs(stack = "dev"): Promise<Record<string, any>> {
    const result = await this.pulumi(["stack", "output", "--json", "--stack", stack]);
    if (result.exitCode !== 0) throw new Error(`stack output: ${result.all}`);
    // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the program exports, read as JSON
    return JSON.parse(String(result.stdout)) as Record<string, any>;
  }

  /** The raw checkpoint file of a stack in the file backend. */
  checkpoint(stack = "dev"): string {
    return readFileSync(join(this.root, ".pulumi-state", ".pulumi", "stacks", "signed-image-lab", `${stack}.json`), "utf8");
  }

  /** The pid of this clone's running `pulumi` (by its working directory), or undefined. */
  async pulumiPid(): Promise<number | undefined> {
    const { stdout } = await execa("pgrep", ["-x", "pulumi"], { reject: false });
    return stdout
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .find((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/cwd`) === this.root;
        } catch {
          return false;
        }
      });
  }

  /** A temporary folder inside the suite's own. */
  tempDir(name: string): string {
    const dir = join(this.base, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  remove(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}
