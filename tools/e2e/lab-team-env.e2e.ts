import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/lab-tools.js";

// lab.sh's team mode refuses what would leak or split a team's stack, before it builds or
// touches any state: these cases end within its first lines.
describe("lab.sh team mode: the environment it refuses", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab-team-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function labStatus(env: Record<string, string>, file?: { text: string; mode: number }) {
    const envFile = join(dir, `team-${Math.random().toString(36).slice(2)}.env`);
    if (file) writeFileSync(envFile, file.text, { mode: file.mode });
    const result = await execa("bash", [join(REPO_ROOT, "tools", "scripts", "lab.sh"), "status"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...(file ? { LAB_TEAM_ENV: envFile } : {}), ...env },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 30_000,
    });
    return { exitCode: result.exitCode, output: String(result.all), envFile };
  }

  it("refuses an env file that others may read, naming LAB_TEAM_ENV", async () => {
    const { exitCode, output, envFile } = await labStatus({}, { text: "PULUMI_CONFIG_PASSPHRASE=team-secret\n", mode: 0o644 });
    expect(exitCode).toBe(1);
    expect(output).toBe(`lab: LAB_TEAM_ENV: ${envFile} holds secrets but others may read it: chmod 600 it`);
  });

  it("refuses a line that is not a PULUMI_*/PG*/VAULT_*/LAB_* variable, without echoing its value", async () => {
    const { exitCode, output } = await labStatus({}, { text: "# team\nPGPASSWORD=x\nAWS_SECRET=do-not-print\n", mode: 0o600 });
    expect(exitCode).toBe(1);
    expect(output).toMatch(/LAB_TEAM_ENV: .*: expected PULUMI_\*\/PG\*\/VAULT_\*\/LAB_\*=value lines, got 'AWS_SECRET'/);
    expect(output).not.toContain("do-not-print");
  });

  it("refuses a non-file backend without the team's passphrase, from the file or the environment", async () => {
    const fromFile = await labStatus({}, { text: "PULUMI_BACKEND_URL=postgres://pulumi@127.0.0.1:1/pulumi\n", mode: 0o600 });
    expect(fromFile.exitCode).toBe(1);
    expect(fromFile.output).toMatch(/team mode \(PULUMI_BACKEND_URL is not file:\/\/\): set the team's PULUMI_CONFIG_PASSPHRASE/);
    const fromEnv = await labStatus({ PULUMI_BACKEND_URL: "postgres://pulumi@127.0.0.1:1/pulumi" });
    expect(fromEnv.exitCode).toBe(1);
    expect(fromEnv.output).toMatch(/set the team's PULUMI_CONFIG_PASSPHRASE/);
  });

  it("refuses a missing env file", async () => {
    const result = await labStatus({ LAB_TEAM_ENV: join(dir, "absent.env") });
    expect(result.exitCode).toBe(1);
    expect(result.output).toBe(`lab: LAB_TEAM_ENV: no file ${join(dir, "absent.env")}`);
  });
});
