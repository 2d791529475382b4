import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { rawConfigNeedsCosignPassword } from "../config/lab-config-schema.js";

const SCRIPT = resolve(import.meta.dirname, "../../../../../tools/scripts/stack-config.sh");
const LAB_CONFIG_BIN = resolve(import.meta.dirname, "../../../dist/bin/lab-config.js");
const bin = mkdtempSync(join(tmpdir(), "stack-config-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

// A stand-in `pulumi` that answers `config get KEY` from the file KEY in FAKE_CONFIG_DIR (absent: exit 255).
writeFileSync(
  join(bin, "pulumi"),
  ["#!/bin/sh", '[ -f "$FAKE_CONFIG_DIR/$3" ] || exit 255', 'cat "$FAKE_CONFIG_DIR/$3"', "echo"].join("\n"),
  { mode: 0o755 },
);

/** A directory holding each key's value as `pulumi config get` prints it. */
function fakeConfig(config: Record<string, string>): string {
  const dir = mkdtempSync(join(bin, "config-"));
  for (const [key, value] of Object.entries(config)) writeFileSync(join(dir, key), value);
  return dir;
}

async function needsCosignPassword(config: Record<string, string>): Promise<boolean> {
  const run = promisify(execFile)("bash", ["-c", `source ${JSON.stringify(SCRIPT)}; needs_cosign_password dev`], {
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, FAKE_CONFIG_DIR: fakeConfig(config) },
  });
  return run.then(
    () => true,
    (error: { code: number; stderr: string }) => {
      if (error.code !== 1) throw new Error(`needs_cosign_password exited ${error.code}: ${error.stderr}`);
      return false;
    },
  );
}

// Each case runs bash, the stand-in pulumi and node: slow on a busy machine.
describe("lab.sh: which stacks get a generated cosignPassword", { timeout: 30_000 }, () => {
  it("needs the built tooling, whose lab-config asks the schema", () => {
    expect(existsSync(LAB_CONFIG_BIN), `${LAB_CONFIG_BIN}: run npx nx run @signed-image-lab/tooling:build`).toBe(true);
  });

  it("a generated or imported key does", async () => {
    expect(await needsCosignPassword({})).toBe(true);
    expect(await needsCosignPassword({ signingKey: '{"source":"generate"}' })).toBe(true);
    expect(await needsCosignPassword({ signingKey: '{"source": "config"}' })).toBe(true);
  });

  it("a KMS key and the lab's vault dev server do not (the schema refuses a password there)", async () => {
    expect(await needsCosignPassword({ signingKey: '{"kmsUri":"hashivault://lab","source":"kms"}' })).toBe(false);
    expect(await needsCosignPassword({ signingKey: '{"source": "kms", "kmsUri": "openbao://lab"}' })).toBe(false);
    expect(await needsCosignPassword({ vaultDevServer: '{"port":8200}' })).toBe(false);
  });

  it("agrees with the schema's needsCosignPassword, also for config the program will refuse", async () => {
    const cases: Record<string, string>[] = [
      { signingKey: '{"source":"kms"}' },
      { signingKey: "not json" },
      { signingKey: '{"source":"generate"}', vaultDevServer: "{}" },
      { signingKey: '{"kmsUri":"awskms:///alias/lab"}' },
    ];
    for (const config of cases) {
      expect(await needsCosignPassword(config), JSON.stringify(config)).toBe(rawConfigNeedsCosignPassword(config));
    }
  });

  it("stops lab.sh when the schema cannot be asked", async () => {
    const run = promisify(execFile)(
      "bash",
      ["-c", `source ${JSON.stringify(SCRIPT)}; LAB_CONFIG_BIN=/nonexistent.js; needs_cosign_password dev; echo went-on`],
      {
        env: { PATH: `${bin}:${process.env.PATH ?? ""}`, FAKE_CONFIG_DIR: fakeConfig({}) },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 3, stdout: "", stderr: expect.stringContaining("lab: /nonexistent.js failed") });
  });
});

describe("lab.sh: what it fetches and what git keeps", () => {
  const root = resolve(import.meta.dirname, "../../../../..");

  it("never runs the Pulumi CLI through npx or an unpinned install script (the doctor builds the pinned one)", () => {
    for (const script of ["tools/scripts/lab.sh", "tools/scripts/stack-config.sh", "tools/engine/build.sh"]) {
      const text = readFileSync(join(root, script), "utf8");
      expect(text, script).not.toMatch(/npx\s+(--yes|-y)\b|npm\s+exec|pulumi@\d|get\.pulumi\.com|curl[^\n|]*\|\s*(ba)?sh/);
    }
  });

  it("keeps SBOMs, CA files and stack configs out of git", async () => {
    for (const path of [".lab/dev/studentbook.spdx.json", ".lab/dev/registry-ca/ca.crt", "Pulumi.dev.yaml", ".pulumi-state/passphrase"]) {
      await expect(promisify(execFile)("git", ["check-ignore", "-q", path], { cwd: root }), path).resolves.toBeDefined();
    }
  });
});

describe("lab.sh: the passphrase file and the work folder", { timeout: 30_000 }, () => {
  const sh = (script: string, env: Record<string, string> = {}) =>
    promisify(execFile)("bash", ["--norc", "-c", `set -euo pipefail; source ${JSON.stringify(SCRIPT)}; ${script}`], {
      cwd: bin,
      env: { PATH: process.env.PATH ?? "", ...env },
    });

  it("creates a named passphrase file that does not exist yet, private (0600), and keeps one that does", async () => {
    const file = join(bin, "team", "passphrase");
    const made = await sh('ensure_passphrase; echo "$PULUMI_CONFIG_PASSPHRASE_FILE"', { PULUMI_CONFIG_PASSPHRASE_FILE: file });
    expect(made.stdout).toBe(`lab: generated the stack passphrase into ${file} (mode 0600)\n${file}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(bin, "team")).mode & 0o077).toBe(0);
    const passphrase = readFileSync(file, "utf8");
    expect(passphrase).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const kept = await sh('ensure_passphrase; echo "$PULUMI_CONFIG_PASSPHRASE_FILE"', { PULUMI_CONFIG_PASSPHRASE_FILE: file });
    expect(kept.stdout).toBe(`${file}\n`);
    expect(readFileSync(file, "utf8")).toBe(passphrase);
  });

  it("defaults to .pulumi-state/passphrase and leaves a passphrase given in the environment alone", async () => {
    const made = await sh('ensure_passphrase; echo "$PULUMI_CONFIG_PASSPHRASE_FILE"');
    expect(made.stdout.trim().split("\n").pop()).toBe(join(bin, ".pulumi-state", "passphrase"));
    const given = await sh('ensure_passphrase; echo "${PULUMI_CONFIG_PASSPHRASE_FILE:-none}"', { PULUMI_CONFIG_PASSPHRASE: "p" });
    expect(given.stdout).toBe("none\n");
  });

  it("removes the stack's work folder after a destroy, keeping and naming a file that is not the lab's", async () => {
    const work = join(bin, "work", "dev");
    mkdirSync(join(work, "registry-ca"), { recursive: true });
    await sh(`remove_work_dir ${JSON.stringify(work)}`);
    expect(existsSync(work)).toBe(false);
    mkdirSync(join(work, "empty"), { recursive: true });
    writeFileSync(join(work, "notes.txt"), "mine");
    const kept = await sh(`remove_work_dir ${JSON.stringify(work)}`);
    expect(kept.stderr).toBe(`lab: kept ${work}: it still holds ${join(work, "notes.txt")} \n`);
    expect(existsSync(join(work, "empty"))).toBe(false);
    expect(existsSync(join(work, "notes.txt"))).toBe(true);
  });
});

describe("lab.sh: a cancel of the npm process reaches the update", { timeout: 60_000 }, () => {
  const RUN_ENGINE = resolve(import.meta.dirname, "../../../../../tools/scripts/run-engine.sh");
  const dir = mkdtempSync(join(tmpdir(), "run-engine-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in pulumi (node: like Go's signal.Notify it handles SIGINT even when started with it ignored):
  // on SIGINT it takes a second to finish what is under way, says so and exits 255, as pulumi's clean cancel does.
  mkdirSync(join(dir, "bin"));
  writeFileSync(
    join(dir, "bin", "pulumi"),
    [
      "#!/usr/bin/env node",
      'const fs = require("fs"); const log = (l) => fs.appendFileSync(process.env.ENGINE_LOG, l + "\\n");',
      'process.on("SIGINT", () => { log("got SIGINT"); setTimeout(() => { log("cancelled cleanly"); process.exit(255); }, 1000); });',
      'log("started " + process.argv.slice(2).join(" ")); setTimeout(() => { log("finished the update"); process.exit(0); }, 4000);',
    ].join("\n"),
    { mode: 0o755 },
  );

  /** `npm run up` of a package whose script is `script`; `signal` goes to the npm process once the engine started. */
  async function cancelled(script: string, signal: NodeJS.Signals, name: string) {
    const project = join(dir, name);
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name, private: true, scripts: { up: script } }));
    const log = join(project, "engine.log");
    writeFileSync(log, "");
    const { spawn } = await import("node:child_process");
    const npm = spawn("npm", ["run", "--silent", "up"], {
      cwd: project,
      env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`, ENGINE_LOG: log },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    npm.stdout.on("data", (d: Buffer) => (output += d));
    npm.stderr.on("data", (d: Buffer) => (output += d));
    const exited = new Promise<number | null>((done) => npm.on("exit", (code) => done(code)));
    while (!readFileSync(log, "utf8").includes("started")) await new Promise((r) => setTimeout(r, 50));
    npm.kill(signal);
    const code = await exited;
    const engine = readFileSync(log, "utf8");
    // What the stand-in does after npm ended is not the cancel's: read the log as npm left it.
    return { code, output, engine };
  }

  const viaLab = `exec bash --norc -c 'source ${RUN_ENGINE}; run_engine up --yes; echo went-on-after-the-engine'`;

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`passes ${signal} on to pulumi as its clean cancel, waits for it, and exits ${signal === "SIGINT" ? 130 : 143}`, async () => {
      const { code, output, engine } = await cancelled(viaLab, signal, `cancel-${signal}`);
      expect(engine).toBe("started up --yes\ngot SIGINT\ncancelled cleanly\n");
      expect(output).toContain(`lab: cancelled by ${signal}: pulumi up stopped cleanly (exit 255); the next lab:up goes on from there`);
      expect(output).not.toContain("went-on-after-the-engine");
      expect(code).toBe(signal === "SIGINT" ? 130 : 143);
    });
  }

  it("did not without exec: npm's sh died of the signal, and the update went on to its end", async () => {
    const { engine } = await cancelled(viaLab.replace(/^exec /, ""), "SIGINT", "no-exec");
    expect(engine).toBe("started up --yes\nfinished the update\n");
  });
});

describe("lab.sh: plain pulumi against the lab (lab:pulumi, lab:env)", { timeout: 30_000 }, () => {
  const repo = resolve(import.meta.dirname, "../../../../..");
  const pin = (JSON.parse(readFileSync(join(repo, "packages/tooling/versions.json"), "utf8")) as { pulumi: { version: string } }).pulumi
    .version;
  const standIns = mkdtempSync(join(tmpdir(), "lab-pulumi-"));
  afterAll(() => rmSync(standIns, { recursive: true, force: true }));
  // lab.sh in a checkout of its own: no .tools/bin whose pinned CLI would come before the stand-in.
  const root = join(standIns, "checkout");
  for (const file of [
    "package.json",
    "packages/tooling/versions.json",
    "tools/scripts/lab.sh",
    "tools/scripts/stack-config.sh",
    "tools/scripts/run-engine.sh",
  ]) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(repo, file), join(root, file));
  }

  /** A stand-in `pulumi` that reports `version` as given and prints its argv (one per line) and the lab's variables. */
  function standIn(version: string): string {
    const dir = mkdtempSync(join(standIns, "bin-"));
    writeFileSync(
      join(dir, "pulumi"),
      [
        "#!/bin/sh",
        `[ "$1" = version ] && { echo ${version}; exit 0; }`,
        'for a in "$@"; do echo "arg=$a"; done',
        'echo "PULUMI_STACK=$PULUMI_STACK"',
        'echo "PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL"',
        'echo "PULUMI_CONFIG_PASSPHRASE_FILE=$PULUMI_CONFIG_PASSPHRASE_FILE"',
      ].join("\n"),
      { mode: 0o755 },
    );
    return dir;
  }

  /** `npm run <script>` as a user types it, with `bin` first on PATH and no backend of the caller's. */
  function npmRun(bin: string, args: string[], env: Record<string, string> = {}) {
    const {
      PULUMI_BACKEND_URL: _b,
      PULUMI_CONFIG_PASSPHRASE: _p,
      PULUMI_CONFIG_PASSPHRASE_FILE: _f,
      PULUMI_STACK: _s,
      ...rest
    } = process.env;
    return promisify(execFile)("npm", ["run", "-s", ...args], {
      cwd: root,
      env: { ...rest, PATH: `${bin}:${process.env.PATH ?? ""}`, ...env },
    });
  }

  it("runs the CLI with its arguments as typed, on the lab's file backend, passphrase and stack", async () => {
    const { stdout } = await npmRun(
      standIn(pin),
      ["lab:pulumi", "--", "config", "set", "--path", "registryAuth.users[0].username", "a b"],
      {
        LAB_STACK: "newcomer",
      },
    );
    expect(stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "arg=config",
        "arg=set",
        "arg=--path",
        "arg=registryAuth.users[0].username",
        "arg=a b",
        "PULUMI_STACK=newcomer",
        `PULUMI_BACKEND_URL=file://${root}/.pulumi-state`,
        `PULUMI_CONFIG_PASSPHRASE_FILE=${root}/.pulumi-state/passphrase`,
      ]),
    );
  });

  it("refuses a pulumi CLI that is not the pinned release, naming both", async () => {
    await expect(npmRun(standIn("v3.100.0"), ["lab:pulumi", "--", "stack", "output"])).rejects.toMatchObject({
      stderr: expect.stringContaining(`lab: the lab pins pulumi ${pin}, but pulumi v3.100.0 is first on PATH`),
    });
  });

  it("lab:env prints shell lines that give a plain `pulumi` the same backend, passphrase, stack and PATH", async () => {
    const bin = standIn(pin);
    const { stdout: lines } = await npmRun(bin, ["lab:env"], { LAB_STACK: "newcomer" });
    expect(lines).toContain("export PULUMI_STACK=newcomer");
    const { stdout } = await promisify(execFile)("bash", ["-c", `eval "$1"; pulumi stack output`, "-", lines], {
      cwd: tmpdir(),
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: process.env.HOME ?? "/root" },
    });
    expect(stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "arg=stack",
        "arg=output",
        "PULUMI_STACK=newcomer",
        `PULUMI_BACKEND_URL=file://${root}/.pulumi-state`,
        `PULUMI_CONFIG_PASSPHRASE_FILE=${root}/.pulumi-state/passphrase`,
      ]),
    );
  });

  it("lab:env never prints a passphrase given in the environment", async () => {
    const { stdout } = await npmRun(standIn(pin), ["lab:env"], { PULUMI_CONFIG_PASSPHRASE: "do-not-print-me" });
    expect(stdout).not.toContain("do-not-print-me");
    expect(stdout).toContain("export PULUMI_STACK=dev");
  });
});
