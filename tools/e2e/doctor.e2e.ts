import { execa } from "execa";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAKE_TOOL_SCRIPTS, writeFakeTools } from "../../packages/tooling/src/test-support/fake-tools.js";
import { REPO_ROOT } from "./support/lab-tools.js";

// The preflight as `lab:up` runs it (packages/tooling/dist/bin/lab-doctor.js), on machine states made of
// stand-in tools on PATH and an empty temporary .tools/bin.
const DOCTOR = join(REPO_ROOT, "packages", "tooling", "dist", "bin", "lab-doctor.js");
const root = mkdtempSync(join(tmpdir(), "doctor-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function doctor(pathDir: string, toolsBin: string, ...args: string[]) {
  return execa(process.execPath, [DOCTOR, ...args], {
    env: { PATH: pathDir, LAB_TOOLS_BIN: toolsBin, HOME: root },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

describe("lab:doctor, the preflight of lab:up", () => {
  it("prints every tool with its pin and where it was found, and exits 0 when all are there", async () => {
    const all = writeFakeTools(join(root, "all"), Object.keys(FAKE_TOOL_SCRIPTS));
    const result = await doctor(all, join(root, "tools-empty"));
    expect(result.exitCode, String(result.all)).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^cosign\\s+v3\\.1\\.2\\s+v3\\.1\\.2 ${join(all, "cosign")}\\s+ok`, "m"));
    expect(result.stdout).toMatch(/^plugin docker\s+5\.2\.0\s+registered\s+ok/m);
    expect(result.stdout).toMatch(/\nready$/);
  });

  it("exits 1 naming the root command when docker is missing, and obtains nothing first", async () => {
    const noDocker = writeFakeTools(
      join(root, "no-docker"),
      Object.keys(FAKE_TOOL_SCRIPTS).filter((t) => t !== "docker" && t !== "cosign"),
    );
    const toolsBin = join(root, "tools-untouched");
    const result = await doctor(noDocker, toolsBin, "--obtain");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^docker\s+any\s+-\s+missing\s+sudo bash tools\/bootstrap\/system-packages\.sh$/m);
    expect(result.stdout).toContain("NOT READY: docker");
    expect(() => readdirSync(toolsBin)).toThrow();
  });

  it("says what lab:up will obtain (a missing cosign, with Go there) and still counts as ready", async () => {
    const noCosign = writeFakeTools(
      join(root, "no-cosign"),
      Object.keys(FAKE_TOOL_SCRIPTS).filter((t) => t !== "cosign"),
    );
    const result = await doctor(noCosign, join(root, "tools-empty"));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^cosign\s+v3\.1\.2\s+-\s+obtain\s+go install v3\.1\.2 into \.tools\/bin/m);
    expect(result.stdout).toContain("ready (lab:up obtains cosign first)");
  });

  it("tells a stopped daemon apart from a missing docker", async () => {
    const stopped = writeFakeTools(join(root, "stopped"), Object.keys(FAKE_TOOL_SCRIPTS), {
      docker: 'case "$1" in --version) echo "Docker version 24.0.7, build x";; info) exit 1;; esac',
    });
    const result = await doctor(stopped, join(root, "tools-empty"));
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^docker\s+any\s+24\.0\.7 \S+ \(no daemon answers\)\s+missing\s+start Docker/m);
  });
});
