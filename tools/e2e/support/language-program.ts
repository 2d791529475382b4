import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCounts, dockerInventory, resourcesSummary, stateVolumes } from "../acceptance/engine-lab.js";
import { PROJECT_BIN, REPO_ROOT } from "./lab-tools.js";

/** The component package's folder: what `pulumi package add` is given. */
export const SIGNING_LAB_PACKAGE = join(REPO_ROOT, "packages", "signing-lab");

/** A program in another Pulumi language that stands up a signed image through the component package. */
export interface LanguageProgram {
  /** Python, YAML: how the spec names it. */
  readonly language: string;
  /** Its source folder under examples/ (copied out of the repository for the run). */
  readonly example: string;
  /** The stack; the program's containers are named `<stack>-…`. */
  readonly stack: string;
  readonly registryPort: number;
  readonly appPort: number;
  /** What `pulumi package add` prints about using the SDK (Python: the import line). */
  readonly addPrints?: string;
  /** Makes the copied program runnable before `pulumi package add` (a Python venv). */
  readonly prepare?: (dir: string, env: Record<string, string>) => Promise<void>;
}

/** The program's environment: the project's tools first on PATH, its own file backend beside it. */
function env(dir: string): Record<string, string> {
  return {
    PATH: `${PROJECT_BIN}:${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${join(dir, ".state")}`,
    PULUMI_CONFIG_PASSPHRASE: "language-program-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}

/**
 * Language hosts still running in the program's folder once the engine exited. A YAML program's
 * run leaves one `pulumi-language-nodejs` (the component package's host) orphaned; the spec ends
 * it by its pid and says so.
 */
function orphanedHosts(dir: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return (
          realpathSync(`/proc/${pid}/cwd`) === realpathSync(dir) &&
          readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("pulumi-language-")
        );
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/** The build tag a plain `pulumi destroy` can leave (README finding 16), by the image ID it held. */
async function heldBuildTag(tag: string, digestRef: string): Promise<string | undefined> {
  const id = async (ref: string) =>
    (await execa("docker", ["image", "inspect", "--format", "{{.Id}}", ref], { reject: false })).stdout.trim() || undefined;
  const digestId = await id(digestRef);
  return digestId && (await id(tag)) === digestId ? digestId : undefined;
}

/**
 * The acceptance of one language's program under the real engine: copied out of the repository,
 * `pulumi package add` of the component package, `pulumi up`, stock cosign verifies the admitted
 * digest, the app answers, a second up changes nothing, destroy leaves no container, volume or resource.
 */
export function describeLanguageProgram(program: LanguageProgram): void {
  let dir: string;
  let admittedRef = "";
  let heldTag: string | undefined;
  const pulumi = (args: string[], input?: string) =>
    execa("pulumi", [...args, "--stack", program.stack], { cwd: dir, env: env(dir), reject: false, all: true, input, timeout: 900_000 });

  beforeAll(async () => {
    const taken = (await dockerInventory()).containers.filter((name) => name.startsWith(`${program.stack}-`));
    if (taken.length > 0) throw new Error(`containers of a ${program.stack} stack are running here (${taken.join(", ")})`);
    dir = mkdtempSync(join(tmpdir(), `sil-${program.stack}-`));
    cpSync(join(REPO_ROOT, "examples", program.example), dir, { recursive: true });
    cpSync(join(REPO_ROOT, "templates/signed-image-environment/app"), join(dir, "app"), { recursive: true });
    mkdirSync(join(dir, ".state"));
    await program.prepare?.(dir, env(dir));
  });

  afterAll(async () => {
    if (!dir) return;
    if (existsSync(join(dir, ".state", ".pulumi"))) await pulumi(["destroy", "--yes", "--skip-preview"]);
    if (heldTag) await execa("docker", ["image", "rm", heldTag], { reject: false });
    for (const pid of orphanedHosts(dir)) {
      console.log(`--- ${program.language}: a language host (pid ${pid}) outlived the engine in ${dir}; ending it`);
      process.kill(pid);
    }
  });

  describe(`the ${program.language} program (examples/${program.example}) under the real engine`, () => {
    it("pulumi package add generates the SDK from the component package and records the package", async () => {
      const added = await execa("pulumi", ["package", "add", SIGNING_LAB_PACKAGE], {
        cwd: dir,
        env: env(dir),
        reject: false,
        all: true,
        timeout: 600_000,
      });
      expect(added.exitCode, String(added.all).slice(-3000)).toBe(0);
      expect(String(added.all)).toContain("Added package signed-image-lab/signing-lab");
      if (program.addPrints) expect(String(added.all)).toContain(program.addPrints);
      expect(readFileSync(join(dir, "Pulumi.yaml"), "utf8")).toContain(`signing-lab: ${SIGNING_LAB_PACKAGE}`);
      expect(existsSync(join(dir, "sdks", "signed-image-lab-signing-lab"))).toBe(true);
      await execa("pulumi", ["stack", "init", program.stack], { cwd: dir, env: env(dir) });
      for (const [key, value] of [
        ["registryPort", String(program.registryPort)],
        ["appPort", String(program.appPort)],
        // Machines without Docker Hub: the images tools/bootstrap/local-images.sh builds.
        ["registryImage", PINNED_VERSIONS.images.registryLocal],
        ["baseImage", PINNED_VERSIONS.images.nodeBaseLocal],
      ] as const) {
        const set = await pulumi(["config", "set", key, value]);
        expect(set.exitCode, String(set.all)).toBe(0);
      }
      const secret = await pulumi(["config", "set", "--secret", "cosignPassword"], `${program.stack}-cosign-password`);
      expect(secret.exitCode, String(secret.all)).toBe(0);
    });

    it("pulumi up signs and attests the image by digest and runs it from there; stock cosign verifies it", async () => {
      const up = await pulumi(["up", "--yes", "--skip-preview"]);
      console.log(`--- ${program.language}: pulumi up\n${resourcesSummary(String(up.all))}`);
      expect(up.exitCode, String(up.all).slice(-4000)).toBe(0);
      const outputs = JSON.parse(String((await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout)) as Record<string, string>;
      admittedRef = outputs.admittedRef ?? "";
      expect(admittedRef).toMatch(new RegExp(`^localhost:${program.registryPort}/hello@sha256:[a-f0-9]{64}$`));
      heldTag = (await heldBuildTag(`localhost:${program.registryPort}/hello:1.0`, admittedRef))
        ? `localhost:${program.registryPort}/hello:1.0`
        : undefined;
      const keyFile = join(dir, "cosign.pub");
      writeFileSync(keyFile, outputs.publicKey ?? "");
      const cosign = (args: string[]) => execa("cosign", args, { env: { PATH: env(dir).PATH ?? "" }, reject: false, all: true });
      const verify = await cosign(["verify", "--key", keyFile, "--insecure-ignore-tlog", admittedRef]);
      console.log(`--- ${program.language}: stock cosign verify ${admittedRef}\n${String(verify.stderr).trim()}`);
      expect(verify.exitCode, String(verify.all)).toBe(0);
      const attestation = await cosign([
        "verify-attestation",
        "--key",
        keyFile,
        "--insecure-ignore-tlog",
        "--type",
        "spdxjson",
        admittedRef,
      ]);
      expect(attestation.exitCode, String(attestation.all)).toBe(0);
      // Another key does not pass: the verification above judged this key's signature.
      const otherKey = join(dir, "other");
      await execa("cosign", ["generate-key-pair", "--output-key-prefix", otherKey], { env: { ...env(dir), COSIGN_PASSWORD: "x" } });
      const refused = await cosign(["verify", "--key", `${otherKey}.pub`, "--insecure-ignore-tlog", admittedRef]);
      expect(refused.exitCode).not.toBe(0);
      // The app's container runs the image the admitted digest names (docker records its image ID).
      const running = await execa("docker", ["inspect", "--format", "{{.Image}}", `${program.stack}-hello-app`]);
      const admitted = await execa("docker", ["image", "inspect", "--format", "{{.Id}}", admittedRef]);
      expect(running.stdout.trim()).toBe(admitted.stdout.trim());
      const answer = await fetch(`http://127.0.0.1:${program.appPort}/`);
      expect(await answer.text()).toBe("signed and verified\n");
    });

    it("a second pulumi up changes nothing", async () => {
      const again = await pulumi(["up", "--yes", "--skip-preview"]);
      console.log(`--- ${program.language}: pulumi up, nothing changed\n${resourcesSummary(String(again.all))}`);
      expect(again.exitCode, String(again.all).slice(-3000)).toBe(0);
      expect(changeCounts(String(again.all))).toEqual([]);
    });

    it("pulumi destroy removes every container, volume and resource it made", async () => {
      const volumes = stateVolumes(String((await pulumi(["stack", "export"])).stdout));
      expect(volumes.length).toBeGreaterThan(0);
      const destroy = await pulumi(["destroy", "--yes", "--skip-preview"]);
      console.log(`--- ${program.language}: pulumi destroy\n${resourcesSummary(String(destroy.all))}`);
      expect(destroy.exitCode, String(destroy.all).slice(-3000)).toBe(0);
      const left = await dockerInventory();
      expect(left.containers.filter((name) => name.startsWith(`${program.stack}-`))).toEqual([]);
      expect(left.volumes.filter((name) => volumes.includes(name))).toEqual([]);
      const after = JSON.parse(String((await pulumi(["stack", "export"])).stdout)) as { deployment: { resources?: unknown[] } };
      expect(after.deployment.resources ?? []).toEqual([]);
      const tag = `localhost:${program.registryPort}/hello:1.0`;
      if (heldTag && left.images.includes(tag)) {
        console.log(`--- ${program.language}: destroy left the local build tag ${tag} (README finding 16); the spec removes it`);
      }
    });
  });
}
