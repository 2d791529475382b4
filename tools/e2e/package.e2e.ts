import { execa } from "execa";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CONSUMER_TSCONFIG,
  docExamples,
  installTarballs,
  packedFiles,
  packPackages,
  PUBLISHED_PACKAGES,
  type PublishedPackage,
} from "./support/consumer-project.js";
import { PROJECT_BIN, REPO_ROOT } from "./support/lab-tools.js";
import { findBinary } from "@signed-image-lab/tooling";

// The packages as a platform team gets them: packed, installed from the tarballs into a project
// outside this repository (no workspace links, no path into it), a program over SigningLab
// type-checked and registered under Pulumi's mocks, and the template made with `pulumi new`.
const examples = docExamples(readFileSync(join(REPO_ROOT, "docs/use-from-your-program.md"), "utf8"));
const TEMPLATE = join(REPO_ROOT, "templates/signed-image-environment");

/** Runs a program of the consumer project under the components' mocks; prints what registered. */
const MOCKS_RUNNER = `
import { installRecordingMocks, outputValue, registeredUrns } from "@signed-image-lab/components/testing";
const [project, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const secrets = Object.keys(config).filter((key) => /:(cosignPassword|vaultToken|cosignPrivateKey|registryAuth)$/.test(key));
const mocks = await installRecordingMocks(config, secrets, project, "dev");
try {
  const program = await import("./dist/index.js");
  await Promise.all(Object.values(program).map((value) => outputValue(value)));
  const outputs = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await outputValue(value);
  console.log(JSON.stringify({ resources: mocks.resources.map(({ type, name }) => ({ type, name })), urns: registeredUrns(), outputs }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error), resources: mocks.resources.length }));
}
`;

let tarballs: Record<PublishedPackage, string>;
let project: string;

async function compile(dir: string, program: string): Promise<void> {
  writeFileSync(join(dir, "index.ts"), program);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  const tsc = await execa("npx", ["tsc", "-p", "tsconfig.json"], { cwd: dir, reject: false, all: true });
  expect(tsc.exitCode, tsc.all).toBe(0);
}

interface MockRun {
  readonly error?: string;
  readonly resources: { type: string; name: string }[];
  readonly urns: string[];
  readonly outputs: Record<string, unknown>;
}

async function runUnderMocks(dir: string, projectName: string, config: Record<string, string>, env: Record<string, string> = {}) {
  writeFileSync(join(dir, "mocks-run.mjs"), MOCKS_RUNNER);
  const run = await execa("node", ["mocks-run.mjs", projectName, JSON.stringify(config)], {
    cwd: dir,
    // The engine tells a program its project folder in PULUMI_NODEJS_ROOT_DIRECTORY; so do the mocks here.
    env: { PATH: `${PROJECT_BIN}:${process.env.PATH ?? ""}`, PULUMI_NODEJS_ROOT_DIRECTORY: dir, ...env },
    extendEnv: false,
    reject: false,
    all: true,
  });
  const last = String(run.stdout).trim().split("\n").pop() ?? "";
  expect(last.startsWith("{"), String(run.all)).toBe(true);
  return JSON.parse(last) as MockRun;
}

beforeAll(async () => {
  tarballs = await packPackages();
  project = await installTarballs(tarballs);
  mkdirSync(join(project, "app"));
  cpSync(join(TEMPLATE, "app"), join(project, "app"), { recursive: true });
}, 600_000);

describe("the published packages", () => {
  it.each(PUBLISHED_PACKAGES)("%s ships what it reads at run time and nothing of the workspace", async (name) => {
    const files = await packedFiles(name);
    expect(files).toContain("LICENSE");
    expect(files).toContain("CHANGELOG.md");
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files.filter((f) => /\.spec\.|test-support|^src\/|^dist\/bin\//.test(f))).toEqual([]);
    if (name === "tooling") expect(files).toEqual(expect.arrayContaining(["versions.json", "policy/provenance.rego", "policy/sbom.rego"]));
    if (name === "components") expect(files).toContain("dist/testing/recording-mocks.js");
    expect(readFileSync(join(REPO_ROOT, "packages", name, "LICENSE"), "utf8")).toBe(readFileSync(join(REPO_ROOT, "LICENSE"), "utf8"));
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "packages", name, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe("Apache-2.0");
  });

  it("install into a project outside the repository, with no link into it", () => {
    expect(relative(REPO_ROOT, project).startsWith("..")).toBe(true);
    const installed = readFileSync(join(project, "package-lock.json"), "utf8");
    expect(installed).not.toContain(REPO_ROOT);
    expect(installed).toContain('"node_modules/@signed-image-lab/components"');
  });

  it("import in plain Node.js: the pins and the Rego policies are read from inside the package", async () => {
    const probe = await execa(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { PINNED_VERSIONS, PINNED_VERSIONS_FILE, ATTESTATION_POLICY_DIR } from "@signed-image-lab/tooling";
         import { SigningLab } from "@signed-image-lab/components";
         console.log(JSON.stringify({ cosign: PINNED_VERSIONS.cosign.version, pins: PINNED_VERSIONS_FILE.pathname, policy: ATTESTATION_POLICY_DIR.pathname, lab: typeof SigningLab }));`,
      ],
      { cwd: project, reject: false, all: true },
    );
    expect(probe.exitCode, probe.all).toBe(0);
    const seen = JSON.parse(probe.stdout) as { cosign: string; pins: string; policy: string; lab: string };
    expect(seen.cosign).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(seen.pins).toBe(join(project, "node_modules/@signed-image-lab/tooling/versions.json"));
    expect(seen.policy).toBe(join(project, "node_modules/@signed-image-lab/tooling/policy/"));
    expect(seen.lab).toBe("function");
  });
});

describe("the API reference", () => {
  it("is generated from the TSDoc (npm run docs:api): SigningLab and every field of its args carry their comment", async () => {
    const out = mkdtempSync(join(tmpdir(), "sil-api-"));
    const run = await execa("npx", ["typedoc", "--json", join(out, "api.json"), "--out", join(out, "html")], {
      cwd: REPO_ROOT,
      reject: false,
      all: true,
    });
    expect(run.exitCode, run.all).toBe(0);
    interface Reflection {
      name: string;
      comment?: { summary: { text: string }[] };
      children?: Reflection[];
    }
    const api = JSON.parse(readFileSync(join(out, "api.json"), "utf8")) as Reflection;
    const components = api.children?.find((c) => c.name === "@signed-image-lab/components");
    const find = (name: string) => components?.children?.find((c) => c.name === name);
    const text = (r: Reflection | undefined) => r?.comment?.summary.map((part) => part.text).join("") ?? "";
    expect(text(find("SigningLab"))).toMatch(/whole image-signing lab/);
    const fields = find("SigningLabArgs")?.children ?? [];
    expect(fields.map((f) => f.name).sort()).toEqual(
      ["aliasChildrenToRoot", "checkTools", "namePrefix", "previousDrift", "projectRoot", "settings", "settingsName"].sort(),
    );
    expect(fields.filter((f) => text(f).length < 20).map((f) => f.name)).toEqual([]);
    expect(readFileSync(join(out, "html", "index.html"), "utf8")).toContain("SigningLab");
  });
});

describe("a team's program over SigningLab, from the tarballs", () => {
  it("the docs' program type-checks and registers the whole lab under Pulumi's mocks, every child under the SigningLab", async () => {
    const program = examples["consumer-program"];
    expect(program).toBeDefined();
    await compile(project, program ?? "");
    const run = await runUnderMocks(project, "team-env", { "team-env:cosignPassword": "pw-of-the-team" });
    expect(run.error).toBeUndefined();
    const types = new Set(run.resources.map((r) => r.type));
    for (const type of [
      "signed-image-lab:lab:SigningLab",
      "signed-image-lab:signing:Registry",
      "signed-image-lab:signing:SigningPipeline",
    ]) {
      expect(types).toContain(type);
    }
    expect(types).toContain("docker:index/image:Image");
    const steps = run.resources.filter((r) => r.type === "command:local:Command").map((r) => r.name);
    expect(steps).toEqual(expect.arrayContaining(["hello-sign", "hello-verify", "hello-attest", "hello-policy"]));
    // One root: the SigningLab is the only resource without a parent (a URN's type names its
    // parent's before a `$`), and the registry, key and pipeline are its children.
    const roots = run.urns.filter((urn) => !(urn.split("::")[2] ?? "").includes("$"));
    expect(roots).toEqual([expect.stringMatching(/::signed-image-lab:lab:SigningLab::lab$/)]);
    for (const child of ["signing:Registry::registry", "signing:SigningKey::cosign", "signing:SigningPipeline::hello"]) {
      expect(run.urns).toContain(`urn:pulumi:dev::team-env::signed-image-lab:lab:SigningLab$signed-image-lab:${child}`);
    }
    expect(String(run.outputs.admittedRef)).toMatch(/^localhost:5101\/hello@sha256:[a-f0-9]{64}$/);
  });

  it("stops before anything is created when a tool is missing, naming it and how to obtain it", async () => {
    const nodeOnly = mkdtempSync(join(tmpdir(), "sil-path-"));
    symlinkSync(process.execPath, join(nodeOnly, "node"));
    const run = await runUnderMocks(project, "team-env", { "team-env:cosignPassword": "pw" }, { PATH: nodeOnly });
    expect(run.error).toMatch(/cosign v\d+\.\d+\.\d+: 'cosign' not found on PATH; obtain it: go install github\.com\/sigstore\/cosign/);
    expect(run.error).toMatch(/docker: 'docker' not found on PATH/);
    expect(run.resources).toBe(0);
  });

  it("refuses bad settings before anything is created, naming each key path", async () => {
    await compile(
      project,
      `import { SigningLab } from "@signed-image-lab/components";
       new SigningLab("lab", { settings: { registryPort: 70000, image: { name: "hello", context: "no-such-folder" }, cosignPassword: "pw" } });`,
    );
    const run = await runUnderMocks(project, "team-env", {});
    expect(run.error).toContain("SigningLabArgs.settings:registryPort: must be 1 to 65535");
    expect(run.resources).toBe(0);
  });

  it("the docs' own-registry program (SigningPipeline alone) type-checks against the tarballs", async () => {
    const program = examples["own-registry"];
    expect(program).toBeDefined();
    await compile(project, program ?? "");
  });
});

describe("the pulumi new template", () => {
  const pulumi = findBinary("pulumi", [PROJECT_BIN, ...(process.env.PATH ?? "").split(":")]);
  const languageHost = findBinary("pulumi-language-nodejs", [PROJECT_BIN, ...(process.env.PATH ?? "").split(":")]);

  it("pulumi new makes a team's project that type-checks and registers its lab from the tarballs", async () => {
    expect(pulumi, "the pinned pulumi CLI (tools/engine/build.sh --cli-only)").toBeDefined();
    const home = mkdtempSync(join(tmpdir(), "sil-pulumi-home-"));
    const dir = join(mkdtempSync(join(tmpdir(), "sil-template-")), "team-env");
    const made = await execa(
      pulumi ?? "pulumi",
      ["new", TEMPLATE, "--dir", dir, "--name", "team-env", "--yes", "--generate-only", "--force"],
      {
        env: { PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_BACKEND_URL: `file://${home}` },
        reject: false,
        all: true,
      },
    );
    expect(String(made.all)).toContain("Created project 'team-env'");
    // The CLI's closing step asks the Node.js language host (it ships with every CLI release);
    // where the engine pieces are absent (CI) that step alone fails, after the project is made.
    if (languageHost) expect(made.exitCode, made.all).toBe(0);
    else expect(String(made.all)).toMatch(/failed to load language plugin nodejs: no language plugin 'pulumi-language-nodejs' found/);
    expect(readFileSync(join(dir, "Pulumi.yaml"), "utf8")).toMatch(/^name: team-env$/m);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect((manifest.dependencies as Record<string, string>)["@signed-image-lab/components"]).toBe("^0.2.0");
    await installTarballs(tarballs, dir, manifest);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...CONSUMER_TSCONFIG }, null, 2));
    const tsc = await execa("npx", ["tsc", "-p", "tsconfig.json"], { cwd: dir, reject: false, all: true });
    expect(tsc.exitCode, tsc.all).toBe(0);
    const run = await runUnderMocks(dir, "team-env", {
      "team-env:cosignPassword": "pw",
      "team-env:images": JSON.stringify([{ name: "app", context: "app" }]),
    });
    expect(run.error).toBeUndefined();
    expect(run.resources.map((r) => r.name)).toEqual(expect.arrayContaining(["lab", "registry", "cosign", "app", "app-sign", "app-app"]));
  });
});
