// The docs' runnable command blocks (```sh runnable), run as printed in a fresh clone of this
// checkout after `npm ci` (whose prepare step builds the environment generator), with the pinned
// pulumi CLI, on the clone's own file backend, where stack dev exists as after a first lab:up.
import { findBinary } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { readFileSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The docs helpers are the docs spec's, not the tooling package's API.
import { isRunnable } from "../../packages/tooling/src/docs/doc-commands.js";
import { codeBlocks } from "../../packages/tooling/src/docs/markdown.js";
import { EngineLab } from "./acceptance/engine-lab.js";
import { PROJECT_BIN, REPO_ROOT } from "./support/lab-tools.js";

const PINNED_PULUMI = (
  JSON.parse(readFileSync(join(REPO_ROOT, "packages/tooling/versions.json"), "utf8")) as { pulumi: { version: string } }
).pulumi.version;
const DOCS = ["README.md", "docs/configuration.md", "docs/teams.md", "docs/architecture.md", "docs/provenance-policy-promotion.md"];

function pulumiOrSkip(): string | undefined {
  const pulumi = findBinary("pulumi", [PROJECT_BIN, ...(process.env.PATH ?? "").split(delimiter)]);
  if (pulumi) return pulumi;
  const reason = "docs-commands: missing pulumi (bash tools/engine/build.sh --cli-only)";
  if (process.env.CI) throw new Error(`CI must have every tool. ${reason}`);
  console.warn(`SKIPPED ${reason}`);
  return undefined;
}

const pulumi = pulumiOrSkip();
const blocks = DOCS.flatMap((file) =>
  codeBlocks(readFileSync(join(REPO_ROOT, file), "utf8"))
    .filter(isRunnable)
    .map((block) => ({ file, ...block })),
);

describe.skipIf(!pulumi)("the docs' runnable commands work as printed, in a fresh clone", () => {
  let lab: EngineLab;
  // The pinned CLI's folder on PATH, as `.ci/run` leaves it (the clone's own .tools/bin is empty).
  const env = () => ({ PATH: `${dirname(pulumi!)}${delimiter}${process.env.PATH ?? ""}`, LAB_STACK: "dev" });

  beforeAll(async () => {
    const version = (await execa(pulumi!, ["version"], { env: { PULUMI_SKIP_UPDATE_CHECK: "true" } })).stdout.trim();
    expect(version).toBe(PINNED_PULUMI);
    lab = await EngineLab.clone();
    await execa("npm", ["ci", "--no-audit", "--no-fund"], { cwd: lab.root, env: env(), timeout: 600_000 });
    await execa("npm", ["run", "-s", "lab:pulumi", "--", "stack", "init", "dev", "--secrets-provider", "passphrase"], {
      cwd: lab.root,
      env: env(),
    });
  });
  afterAll(() => {
    if (lab) rmSync(dirname(lab.root), { recursive: true, force: true });
  });

  it("finds runnable blocks in the README and docs", () => {
    expect(blocks.map((b) => b.file)).toEqual(expect.arrayContaining(["README.md", "docs/teams.md"]));
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))("%s", async (_where, block) => {
    const run = await execa("bash", ["-euo", "pipefail", "-c", block.body], { cwd: lab.root, env: env(), reject: false, all: true });
    expect(run.exitCode, run.all).toBe(0);
  });

  it("the README's config example reached the clone's stack dev", async () => {
    const { stdout } = await execa("npm", ["run", "-s", "lab:pulumi", "--", "config", "get", "appPort"], { cwd: lab.root, env: env() });
    expect(stdout.trim()).toBe("8097");
  });
});
