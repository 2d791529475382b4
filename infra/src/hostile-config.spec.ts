import * as pulumi from "@pulumi/pulumi";
import { LabConfigError, parseLabConfig, SECRET_CONFIG_KEYS, type RawConfig } from "@signed-image-lab/components";
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { installRecordingMocks, plain, scriptOf, outputValue } from "../../packages/components/src/testing/recording-mocks.js";
import { createLab } from "./lab.js";

/**
 * The hostile-config run: every string key of the config, set to shell metacharacters, quotes, a
 * newline, a leading '-' and a 10 kB value, is either refused with the key named, or the whole
 * lab is registered under mocks and every step that holds the value is run for real by `sh`,
 * against stand-in tools that record their argv: the value reaches a tool only as (part of) one
 * argument, never split or run by the shell; a secret never reaches any argv or script.
 */

const NS = "signed-image-lab";
const work = mkdtempSync(join(tmpdir(), "hostile-config-"));
// The default build context: the lab hashes it for the provenance, as the real one.
mkdirSync(join(work, "packages", "studentbook"), { recursive: true });
writeFileSync(join(work, "packages", "studentbook", "Dockerfile"), "FROM scratch\n");
const CANARY = join(work, "canary");
const bin = join(work, "bin");
const LOG = join(work, "argv.log");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The hostile values. The first would create CANARY if any shell ever evaluated it. */
const HOSTILE: Record<string, string> = {
  metacharacters: `$(touch ${CANARY})\`touch ${CANARY}\`;touch ${CANARY}|&<>*?`,
  quotes: `it's "quoted" \\ value`,
  newline: "first\nsecond",
  "leading dash": "--privileged",
  "10 kB": "x".repeat(10_240),
};

// Stand-ins that record argv (NUL between words, \x01 and a newline after each call); curl
// answers the registry probe so waiting steps finish; syft writes the SBOM where -o says.
mkdirSync(bin);
for (const tool of ["cosign", "syft", "skopeo", "curl", "docker", "bao", "node", "lab-policy-check", "openssl"]) {
  writeFileSync(
    join(bin, tool),
    [
      "#!/bin/sh",
      `{ printf '%s' ${tool}; for a; do printf '\\000%s' "$a"; done; printf '\\001\\n'; } >>'${LOG}'`,
      ...(tool === "curl" ? [`cat '${join(work, "curl.out")}'`] : []),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      ...(tool === "syft" ? ['for a; do case $a in *=*.partial) printf "{}" >"${a#*=}" ;; esac; done'] : []),
      "exit 0",
    ].join("\n"),
    { mode: 0o755 },
  );
}

function recordedCalls(): string[][] {
  if (!existsSync(LOG)) return [];
  return readFileSync(LOG, "utf8")
    .split("\x01\n")
    .filter(Boolean)
    .map((call) => call.split("\0"));
}

const VAULT_KMS = {
  signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }),
  vaultAddress: "https://vault.example.com:8200",
  vaultToken: "t",
  cosignPassword: undefined,
};

/** Where a key matters: the config around it, and how to set it to a value. */
interface KeyCase {
  readonly key: string;
  readonly base?: RawConfig;
  readonly set: (value: string) => RawConfig;
}

const top = (key: string, base?: RawConfig): KeyCase => ({ key, base, set: (value) => ({ [key]: value }) });
const nested = (key: string, object: string, field: string, around: Record<string, unknown> = {}, base?: RawConfig): KeyCase => ({
  key,
  base,
  set: (value) => ({ [object]: JSON.stringify({ ...around, [field]: value }) }),
});
const user = (field: "username" | "password"): KeyCase => ({
  key: `registryAuth.users[0].${field}`,
  set: (value) => ({ registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice", password: "pw", [field]: value }] }) }),
});

const KEYS: KeyCase[] = [
  ...["registryPort", "registryImage", "registryTls", "baseImage", "appPort", "runApp", "sbomFormat", "sbomScope", "sbomAttach"].map((k) =>
    top(k),
  ),
  ...["signatureFormat", "cosignPassword", "verifyPublicKey", "workDir", "driftCheck", "existingRegistry", "existingImageRef"].map((k) =>
    top(k),
  ),
  ...["provenance", "builderId"].map((k) => top(k)),
  { key: "policy.deniedPackages[0]", set: (value) => ({ policy: JSON.stringify({ deniedPackages: [value] }) }) },
  ...["registryPort", "existingRegistry"].map((field) => nested(`promotion.${field}`, "promotion", field)),
  nested("promotion.registryCaFile", "promotion", "registryCaFile", { existingRegistry: "prod.example:5000" }),
  top("registryCaFile", { existingRegistry: "registry.example:5000" }),
  top("vaultAddress", { ...VAULT_KMS, vaultAddress: undefined }),
  top("vaultToken", VAULT_KMS),
  top("cosignPrivateKey", { signingKey: JSON.stringify({ source: "config" }) }),
  ...["name", "tag", "context", "dockerfile"].map((field) => nested(`image.${field}`, "image", field)),
  ...["cosign", "syft", "skopeo", "curl", "node", "bao", "oras"].map((field) => nested(`tools.${field}`, "tools", field)),
  nested("signingKey.source", "signingKey", "source"),
  nested("signingKey.kmsUri", "signingKey", "kmsUri", { source: "kms" }, { cosignPassword: undefined }),
  ...["image", "keyName", "port"].map((field) =>
    nested(`vaultDevServer.${field}`, "vaultDevServer", field, {}, { vaultToken: "t", cosignPassword: undefined }),
  ),
  top("transparency", { signatureFormat: "bundle" }),
  ...["image", "port"].map((field) =>
    nested(`timestampAuthority.${field}`, "timestampAuthority", field, {}, { transparency: "timestamps", signatureFormat: "bundle" }),
  ),
  ...["image", "port"].map((field) =>
    nested(`transparencyLog.${field}`, "transparencyLog", field, {}, { transparency: "timestamps+log", signatureFormat: "bundle" }),
  ),
  user("username"),
  user("password"),
];

const SECRET_PATHS = new Set<string>([...SECRET_CONFIG_KEYS, "registryAuth.users[0].password", "registryAuth.users[0].username"]);

function configFor(keyCase: KeyCase, value: string): Record<string, string> {
  const raw: Record<string, string | undefined> = { cosignPassword: "pw", ...keyCase.base, ...keyCase.set(value) };
  return Object.fromEntries(Object.entries(raw).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Makes an empty file at `path` (relative to the work folder), where the file system allows that name. */
function placeFile(path: string): void {
  try {
    const file = resolve(work, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "");
  } catch {
    // A name no file system takes (too long, a NUL): the config check names the key instead.
  }
}

/** Registers the whole lab for `raw` under fresh mocks; returns each step's script and environment. */
async function registerLab(raw: Record<string, string>) {
  const secretKeys = SECRET_CONFIG_KEYS.filter((k) => raw[k] !== undefined);
  const mocks = await installRecordingMocks(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${NS}:${k}`, v])),
    secretKeys.map((k) => `${NS}:${k}`),
  );
  const config = parseLabConfig(NS, raw, new Set(secretKeys));
  const lab = createLab(config, { projectRoot: work, stack: "dev" });
  await outputValue(lab.images);
  await Promise.all([outputValue(lab.appRef), outputValue(lab.verifyPublicKey)]);
  writeFileSync(join(work, "curl.out"), config.registryAuth.enabled ? "401" : "200");
  return mocks.ofType("command:local:Command").map((command) => ({
    name: command.name,
    script: scriptOf(command),
    environment: plain(command.inputs.environment) as Record<string, string>,
  }));
}

describe("a hostile value in every string key", () => {
  /** `key=kind` of every accepted value that reached a tool's argv: the run is not vacuous. */
  const reached = new Set<string>();
  const cases = KEYS.flatMap((keyCase) => Object.entries(HOSTILE).map(([kind, value]) => [keyCase.key, kind, keyCase, value] as const));

  it.each(cases)("%s = %s: refused naming the key, or one argument of its tool", async (key, kind, keyCase, value) => {
    const raw = configFor(keyCase, value);
    // A CA file must exist before anything is registered (the config check reads the paths):
    // made at the hostile path, so the value can still reach the tools that take it.
    // Each case leaves the work folder as it found it: a workDir case's steps make a folder
    // where a later case needs its CA file.
    const atValue = resolve(work, value);
    if (/^(workDir|registryCaFile|promotion\.registryCaFile)$/.test(key) && atValue.startsWith(`${work}/`)) {
      onTestFinished(() => {
        try {
          rmSync(atValue, { recursive: true, force: true });
        } catch {
          // A name no file system takes was never made.
        }
      });
    }
    if (key.endsWith("registryCaFile")) placeFile(value);
    let steps: Awaited<ReturnType<typeof registerLab>>;
    try {
      steps = await registerLab(raw);
    } catch (error) {
      if (!(error instanceof LabConfigError) && !pulumi.RunError.isInstance(error)) throw error;
      const head = key.split(/[.[]/)[0] ?? key;
      expect(error.message, "the error names the key").toContain(`${NS}:${head}`);
      return;
    }

    rmSync(LOG, { force: true });
    // How the value reads inside a single-quoted word of a script (alone or within a longer path).
    const quoted = value.replace(/'/g, `'\\''`);
    const holding = steps.filter((s) => s.script.includes(quoted) || Object.values(s.environment).some((v) => v.includes(value)));
    for (const step of holding) {
      await execa("/bin/sh", ["-c", step.script], {
        env: { ...step.environment, PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: work, TMPDIR: work },
        extendEnv: false,
        reject: false,
        timeout: 20_000,
      });
    }
    expect(existsSync(CANARY), "no shell evaluated the value").toBe(false);
    const args = recordedCalls().flat();
    if (SECRET_PATHS.has(key)) {
      expect(
        args.filter((a) => a.includes(value)),
        "a secret never reaches argv",
      ).toEqual([]);
      expect(
        steps.filter((s) => s.script.includes(quoted) || s.script.includes(value)).map((s) => s.name),
        "nor any script",
      ).toEqual([]);
      return;
    }
    if (args.some((a) => a.includes(value))) reached.add(`${key}=${kind}`);
    // Never split: an argument holding a piece of the value holds all of it.
    const pieces = value.split(/\s+/).filter((p) => p.length >= 3);
    for (const arg of args) {
      if (pieces.some((p) => arg.includes(p))) expect(arg, "the value as one argument").toContain(value);
    }
  });

  it("ran the tools with the accepted values that reach them: paths with quotes and shell characters", () => {
    expect([...reached]).toEqual(
      expect.arrayContaining(["workDir=quotes", "workDir=metacharacters", "registryCaFile=quotes", "registryCaFile=metacharacters"]),
    );
    expect(
      [...reached].filter((k) => k.endsWith("=10 kB") || k.endsWith("=newline") || k.endsWith("=leading dash")),
      "refused before any tool",
    ).toEqual([]);
  });

  it("covers every top-level key of the schema", async () => {
    const { LAB_CONFIG_KEYS } = await import("@signed-image-lab/components");
    const covered = new Set(KEYS.map((k) => k.key.split(/[.[]/)[0]));
    const objects = [
      "image",
      "images",
      "tools",
      "signingKey",
      "vaultDevServer",
      "registryAuth",
      "timestampAuthority",
      "transparencyLog",
      "policy",
      "promotion",
    ];
    expect(LAB_CONFIG_KEYS.filter((k) => !covered.has(k) && !objects.includes(k))).toEqual([]);
  });
});
