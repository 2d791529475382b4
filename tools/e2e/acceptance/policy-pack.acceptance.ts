import { SIGNED_IMAGE_TYPE } from "@signed-image-lab/components";
import { execa } from "execa";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_BIN, REPO_ROOT } from "../support/lab-tools.js";

// The policy pack (packages/policy-pack) under the real Pulumi engine: `pulumi preview
// --policy-pack` on a tiny fixture program (a temp-dir project on a local file backend, preview
// only: nothing is pulled, no container is made). tools/scripts/test-engine.sh runs this only
// where pulumi, its Node.js language host and the docker provider plugin exist; the pinned pulumi
// starts a Node.js policy pack through the language host, no pulumi-analyzer-policy needed.

const PACK = join(REPO_ROOT, "packages", "policy-pack");
const STACK = "policy";
const VERIFIED = `localhost:5999/app@sha256:${"1".repeat(64)}`;
const OTHER = `localhost:5999/app@sha256:${"2".repeat(64)}`;

/** One program, its case chosen by FIXTURE_CASE, so every preview runs against the same stack. */
const PROGRAM = `import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

// Stands in for the lab's SignedImage: its type token and a verifiedRef known at preview (the
// real component's resolves only once cosign verify ran).
class StandInSignedImage extends pulumi.ComponentResource {
  constructor(name, ref) {
    super(${JSON.stringify(SIGNED_IMAGE_TYPE)}, name, {}, {});
    this.verifiedRef = pulumi.output(ref);
    this.registerOutputs({ verifiedRef: this.verifiedRef });
  }
}

const signed = new StandInSignedImage("studentbook", ${JSON.stringify(VERIFIED)});
switch (process.env.FIXTURE_CASE) {
  case "tag":
    new docker.RemoteImage("app", { name: "localhost:5999/app:latest", keepLocally: true });
    break;
  case "digest":
    new docker.RemoteImage("app", { name: ${JSON.stringify(OTHER)}, keepLocally: true });
    break;
  case "verified": {
    const image = new docker.RemoteImage("app", { name: signed.verifiedRef, keepLocally: true });
    new docker.Container("app", { image: image.imageId });
    break;
  }
  case "unverified": {
    const image = new docker.RemoteImage("app", { name: ${JSON.stringify(OTHER)}, keepLocally: true });
    new docker.Container("app", { image: image.imageId });
    break;
  }
  default:
    throw new Error("FIXTURE_CASE must be tag, digest, verified or unverified");
}
`;

let dir: string;
const env = () => ({
  PATH: [process.env.LAB_ENGINE_BIN, process.env.PATH, PROJECT_BIN].filter(Boolean).join(delimiter),
  PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: passphrase,
  PULUMI_SKIP_UPDATE_CHECK: "true",
});
const passphrase = randomBytes(18).toString("base64url");

function pulumi(args: string[], extraEnv: Record<string, string> = {}) {
  return execa("pulumi", [...args, "--non-interactive", "--color", "never"], {
    cwd: join(dir, "program"),
    env: { ...env(), ...extraEnv },
    reject: false,
    all: true,
    timeout: 300_000,
  });
}

/** `pulumi preview --policy-pack packages/policy-pack` of one fixture case; the `Policies:` block is logged. */
async function preview(fixtureCase: string, extraArgs: string[] = []) {
  const result = await pulumi(["preview", "--stack", STACK, "--policy-pack", PACK, ...extraArgs], { FIXTURE_CASE: fixtureCase });
  const output = String(result.all);
  console.log(
    `--- preview ${fixtureCase} ${extraArgs.join(" ")}: exit ${result.exitCode}\n${output.slice(output.indexOf("Policies:"), output.indexOf("Diagnostics:")).trim()}`,
  );
  return { exitCode: result.exitCode, output };
}

beforeAll(async () => {
  // The engine starts the pack's `main` (dist/index.js): build it as the README says.
  await execa("npx", ["nx", "run", "@signed-image-lab/policy-pack:build", "--output-style=static"], {
    cwd: REPO_ROOT,
    env: { NX_DAEMON: "false", NX_NO_CLOUD: "true" },
  });
  dir = mkdtempSync(join(tmpdir(), "policy-pack-acceptance-"));
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "program"));
  writeFileSync(join(dir, "program", "Pulumi.yaml"), "name: policy-fixture\nruntime: nodejs\n");
  writeFileSync(
    join(dir, "program", "package.json"),
    JSON.stringify({ name: "policy-fixture", private: true, type: "module", main: "index.js" }),
  );
  writeFileSync(join(dir, "program", "index.js"), PROGRAM);
  // @pulumi/pulumi and @pulumi/docker at the versions this repository pins.
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "program", "node_modules"));
  const init = await pulumi(["stack", "init", STACK]);
  if (init.exitCode !== 0) throw new Error(`pulumi stack init: ${init.all}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the policy pack under the real Pulumi engine (preview only)", () => {
  it("fails the preview of a RemoteImage by tag, naming the rule, the resource and the reference", async () => {
    const { exitCode, output } = await preview("tag");
    expect(exitCode).not.toBe(0);
    expect(output).toMatch(/\[mandatory\]\s+image-pinned-by-digest\s+\(docker:index\/remoteImage:RemoteImage: app\)/);
    expect(output).toContain('app: name "localhost:5999/app:latest" is not pinned by digest');
  });

  it("passes the preview of a RemoteImage by digest", async () => {
    const { exitCode, output } = await preview("digest");
    expect(exitCode, output).toBe(0);
    expect(output).toContain("✅ signed-image-lab@v0.1.0");
    expect(output).not.toMatch(/\[(mandatory|advisory)\]/);
  });

  it("passes a Container from a RemoteImage of a SignedImage's verifiedRef; its image ID, unknown in preview, is advisory only", async () => {
    const { exitCode, output } = await preview("verified");
    expect(exitCode, output).toBe(0);
    expect(output).not.toContain("[mandatory]");
    expect(output).toMatch(/\[advisory\]\s+image-pinned-by-digest\s+\(docker:index\/container:Container: app\)/);
    expect(output).toContain(
      "can't run policy 'image-pinned-by-digest' from policy pack 'signed-image-lab@v0.1.0' during preview: string value at .image can't be known during preview",
    );
    expect(output).not.toContain("image-from-verified-ref");
  });

  it("fails a Container from a RemoteImage pinned by digest that is no verifiedRef, already in preview", async () => {
    const { exitCode, output } = await preview("unverified");
    expect(exitCode).not.toBe(0);
    expect(output).toMatch(/\[mandatory\]\s+image-from-verified-ref\s+\(docker:index\/container:Container: app\)/);
    expect(output).toContain(
      `app runs ${OTHER} (RemoteImage app), which is not the verifiedRef of any SigningPipeline or SignedImage in this stack`,
    );
  });

  it("lets a stack lower a rule to advisory with --policy-pack-config", async () => {
    const config = join(dir, "policy-config.json");
    writeFileSync(config, JSON.stringify({ "image-pinned-by-digest": "advisory" }));
    const { exitCode, output } = await preview("tag", ["--policy-pack-config", config]);
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(/\[advisory\]\s+image-pinned-by-digest\s+\(docker:index\/remoteImage:RemoteImage: app\)/);
  });

  it("changed nothing: the stack holds no resource", async () => {
    const exported = await pulumi(["stack", "export", "--stack", STACK]);
    expect(exported.exitCode, String(exported.all)).toBe(0);
    expect(JSON.parse(String(exported.stdout)).deployment.resources ?? []).toEqual([]);
  });
});
