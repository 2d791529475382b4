import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSUMER_TSCONFIG, docExamples, installTarballs, packPackages } from "../support/consumer-project.js";
import { PROJECT_BIN, REPO_ROOT } from "../support/lab-tools.js";
import { changeCounts, dockerInventory, resourcesSummary, stateVolumes } from "./engine-lab.js";

// A platform team's own project under the real engine: the packed tarballs installed into a
// folder outside this repository, the docs' program over SigningLab, `pulumi up` on its own file
// backend; stock cosign judges what it signed, a second up changes nothing, destroy leaves nothing.
const STACK = "teamenv";
const REGISTRY_PORT = 5101;
const APP_PORT = 8191;

let project: string;
const env = (): Record<string, string> => ({
  PATH: `${PROJECT_BIN}:${process.env.PATH ?? ""}`,
  PULUMI_BACKEND_URL: `file://${join(project, ".state")}`,
  PULUMI_CONFIG_PASSPHRASE: "team-env-passphrase",
  PULUMI_SKIP_UPDATE_CHECK: "true",
});
const pulumi = (args: string[], input?: string) =>
  execa("pulumi", [...args, "--stack", STACK], { cwd: project, env: env(), reject: false, all: true, input, timeout: 900_000 });

beforeAll(async () => {
  const taken = (await dockerInventory()).containers.filter((name) => name.startsWith(`${STACK}-`));
  if (taken.length > 0) throw new Error(`containers of a ${STACK} stack are running here (${taken.join(", ")})`);
  project = await installTarballs(await packPackages());
  const program = docExamples(readFileSync(join(REPO_ROOT, "docs/use-from-your-program.md"), "utf8"))["consumer-program"];
  if (!program) throw new Error("docs/use-from-your-program.md has no consumer-program example");
  writeFileSync(join(project, "index.ts"), program);
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  writeFileSync(join(project, "Pulumi.yaml"), "name: team-env\nruntime: nodejs\nmain: dist/index.js\n");
  mkdirSync(join(project, "app"));
  cpSync(join(REPO_ROOT, "templates/signed-image-environment/app"), join(project, "app"), { recursive: true });
  mkdirSync(join(project, ".state"));
  await execa("npx", ["tsc", "-p", "tsconfig.json"], { cwd: project });
  await execa("pulumi", ["stack", "init", STACK], { cwd: project, env: env() });
  for (const [key, value] of [
    ["registryPort", String(REGISTRY_PORT)],
    ["appPort", String(APP_PORT)],
    // Machines without Docker Hub: the images tools/bootstrap/local-images.sh builds.
    ["registryImage", PINNED_VERSIONS.images.registryLocal],
    ["baseImage", PINNED_VERSIONS.images.nodeBaseLocal],
  ]) {
    await pulumi(["config", "set", key ?? "", value ?? ""]);
  }
  await pulumi(["config", "set", "--secret", "cosignPassword"], "a-team-password");
});

afterAll(async () => {
  if (project) await pulumi(["destroy", "--yes", "--skip-preview"]);
});

describe("SigningLab from the tarballs, in a team's own project, under the real engine", () => {
  it("pulumi up signs, attests and admits the image; stock cosign verifies it; the app answers", async () => {
    const up = await pulumi(["up", "--yes", "--skip-preview"]);
    console.log(`--- pulumi up\n${resourcesSummary(String(up.all))}`);
    expect(up.exitCode, String(up.all).slice(-4000)).toBe(0);
    const outputs = JSON.parse(String((await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout)) as Record<string, string>;
    expect(outputs.admittedRef).toMatch(new RegExp(`^localhost:${REGISTRY_PORT}/hello@sha256:[a-f0-9]{64}$`));
    const keyFile = join(project, "cosign.pub");
    writeFileSync(keyFile, outputs.publicKey ?? "");
    const verify = await execa("cosign", ["verify", "--key", keyFile, "--insecure-ignore-tlog", outputs.admittedRef ?? ""], {
      env: { PATH: env().PATH ?? "" },
      reject: false,
      all: true,
    });
    console.log(`--- stock cosign verify\n${String(verify.stderr).trim()}`);
    expect(verify.exitCode, String(verify.all)).toBe(0);
    const attestation = await execa(
      "cosign",
      ["verify-attestation", "--key", keyFile, "--insecure-ignore-tlog", "--type", "spdxjson", outputs.admittedRef ?? ""],
      { env: { PATH: env().PATH ?? "" }, reject: false, all: true },
    );
    expect(attestation.exitCode, String(attestation.all)).toBe(0);
    const answer = await fetch(`http://127.0.0.1:${APP_PORT}/`);
    expect(await answer.text()).toBe("signed and verified\n");
  });

  it("a second pulumi up changes nothing", async () => {
    const again = await pulumi(["up", "--yes", "--skip-preview"]);
    console.log(`--- pulumi up, nothing changed\n${resourcesSummary(String(again.all))}`);
    expect(again.exitCode, String(again.all).slice(-3000)).toBe(0);
    expect(changeCounts(String(again.all))).toEqual([]);
  });

  it("pulumi new of the template, with the language host, makes the project and exits 0", async () => {
    const dir = join(project, "..", "team-env-from-template");
    const made = await execa(
      "pulumi",
      [
        "new",
        join(REPO_ROOT, "templates/signed-image-environment"),
        "--dir",
        dir,
        "--name",
        "team-env",
        "--yes",
        "--generate-only",
        "--force",
      ],
      { env: env(), reject: false, all: true },
    );
    expect(made.exitCode, String(made.all)).toBe(0);
    expect(readFileSync(join(dir, "Pulumi.yaml"), "utf8")).toMatch(/^name: team-env$/m);
  });

  it("pulumi destroy removes every container and volume it made", async () => {
    const volumes = stateVolumes(String((await pulumi(["stack", "export"])).stdout));
    expect(volumes.length).toBeGreaterThan(0);
    const destroy = await pulumi(["destroy", "--yes", "--skip-preview"]);
    console.log(`--- pulumi destroy\n${resourcesSummary(String(destroy.all))}`);
    expect(destroy.exitCode, String(destroy.all).slice(-3000)).toBe(0);
    const left = await dockerInventory();
    expect(left.containers.filter((name) => name.startsWith(`${STACK}-`))).toEqual([]);
    expect(left.volumes.filter((name) => volumes.includes(name))).toEqual([]);
    const after = JSON.parse(String((await pulumi(["stack", "export"])).stdout)) as { deployment: { resources?: unknown[] } };
    expect(after.deployment.resources ?? []).toEqual([]);
  });
});
