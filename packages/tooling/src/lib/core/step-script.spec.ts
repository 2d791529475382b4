import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { waitForRegistryStep } from "../commands/registry-commands.js";
import { expand } from "./shell-words.js";
import { renderStepScript, SecretEnv, STEP_COMMAND_LINE, STEP_TMP, STEP_TMP_PREFIX, withStepEnvNames } from "./step-script.js";

const run = promisify(execFile);

async function runStep(script: string, env: Record<string, string> = {}) {
  return run("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH ?? "", ...env } });
}

describe("renderStepScript", () => {
  it("refuses a step without commands", () => {
    expect(() => renderStepScript({ invocations: [] })).toThrow(/at least one command/);
  });

  it("writes registry credentials from the environment to a private docker config and removes it", async () => {
    const username = "al'ice";
    const password = 'p@ss:"w0rd $HOME';
    const script = renderStepScript({
      registryHost: "localhost:5001",
      invocations: [
        { argv: ["cat", expand("DOCKER_CONFIG", "/config.json")] },
        { argv: ["stat", "-c", "%a", expand(STEP_TMP)] },
        { argv: ["printenv", "SYFT_REGISTRY_AUTH_PASSWORD"] },
      ],
    });
    expect(script).not.toContain(password);
    const { stdout } = await runStep(
      script,
      withStepEnvNames({ [SecretEnv.registryUsername]: username, [SecretEnv.registryPassword]: password }),
    );
    const [configJson, mode, syftPassword] = stdout.trim().split("\n");
    const auth = JSON.parse(configJson ?? "").auths["localhost:5001"].auth as string;
    expect(Buffer.from(auth, "base64").toString("utf8")).toBe(`${username}:${password}`);
    expect(mode).toBe("700");
    expect(syftPassword).toBe(password);
  });

  it("leaves the caller's docker config alone when no registry user is set", async () => {
    const script = renderStepScript({
      registryHost: "localhost:5001",
      invocations: [{ argv: ["sh", "-c", 'echo "${DOCKER_CONFIG:-unset}"'] }],
    });
    expect((await runStep(script)).stdout.trim()).toBe("unset");
  });

  it("removes its temporary directory also when a command fails", async () => {
    const script = renderStepScript({
      invocations: [{ argv: ["sh", "-c", `echo "$1" >&2; exit 3`, "sh", expand(STEP_TMP)] }],
    });
    const failure = await runStep(script).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(3);
    const tmpDir = failure?.stderr.trim() ?? "";
    expect(tmpDir).toMatch(/^\/tmp\//);
    expect(existsSync(tmpDir)).toBe(false);
  });
});

describe("what a failing step says", () => {
  const failing = {
    subject: "localhost:5001/app@sha256:abc",
    invocations: [{ argv: ["sh", "-c", "echo 'no signatures found' >&2; exit 5"] }],
  };

  it("the tool's own message, then one line: tool, exit status, time, subject; no script, no colour", async () => {
    const failure = await runStep(renderStepScript(failing)).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 5 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^no signatures found\nlab: sh failed \(exit 5 after \d+s\) for localhost:5001\/app@sha256:abc\n$/,
    );
    const colour = await runStep(renderStepScript({ invocations: [{ argv: ["sh", "-c", 'echo "$NO_COLOR"'] }] }));
    expect(colour.stdout).toBe("1\n");
  });

  it("runs from LAB_STEP_SCRIPT as a Command runs it, and prints the script only with LAB_DEBUG", async () => {
    const script = renderStepScript(failing);
    const quiet = await runStep(STEP_COMMAND_LINE, { LAB_STEP_SCRIPT: script }).catch((e: { stderr: string }) => e);
    expect((quiet as { stderr: string }).stderr).not.toContain("lab_run()");
    const debug = await runStep(STEP_COMMAND_LINE, { LAB_STEP_SCRIPT: script, LAB_DEBUG: "1" }).catch((e: { stderr: string }) => e);
    expect((debug as { stderr: string }).stderr).toContain(`lab: the step was:\n${script}`);
  });

  it("removes its temporary directory when stopped by a signal (the provider's time limit)", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "step-signal-"));
    try {
      const child = spawn("/bin/sh", ["-c", renderStepScript({ invocations: [{ argv: ["sleep", "30"] }] })], {
        env: { PATH: process.env.PATH, TMPDIR: tmp },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(readdirSync(tmp).filter((d) => d.startsWith(STEP_TMP_PREFIX))).toHaveLength(1);
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(143);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("what a step inherits", () => {
  it("only its own variables and the basics: the provider's passphrase and tokens never reach a tool", async () => {
    const script = renderStepScript({ invocations: [{ argv: ["env"] }] });
    const { stdout } = await runStep(STEP_COMMAND_LINE, {
      LAB_STEP_SCRIPT: script,
      PULUMI_CONFIG_PASSPHRASE: "state-passphrase",
      PULUMI_CONFIG_PASSPHRASE_FILE: "/secret/passphrase",
      PULUMI_ACCESS_TOKEN: "pul-token",
      AWS_SECRET_ACCESS_KEY: "aws",
      PULUMI_COMMAND_STDOUT: "previous private key",
      MULTI: "first\nPATH_LOOKALIKE=x",
      ...withStepEnvNames({ COSIGN_PASSWORD: "key-password", LAB_REGISTRY_USERNAME: "alice" }),
    });
    const names = stdout.split("\n").map((l) => l.split("=")[0]);
    expect(names).toEqual(expect.arrayContaining(["PATH", "COSIGN_PASSWORD", "LAB_REGISTRY_USERNAME"]));
    for (const leaked of [
      "PULUMI_CONFIG_PASSPHRASE",
      "PULUMI_CONFIG_PASSPHRASE_FILE",
      "PULUMI_ACCESS_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "PULUMI_COMMAND_STDOUT",
      "MULTI",
    ]) {
      expect(names, leaked).not.toContain(leaked);
    }
    expect(stdout).not.toMatch(/state-passphrase|pul-token|previous private key/);
  });

  it("removes the private directory a killed step left behind (its pid gone), and no live or other step's", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "step-sweep-"));
    try {
      const killed = join(tmp, `${STEP_TMP_PREFIX}killed`);
      const live = join(tmp, `${STEP_TMP_PREFIX}live`);
      const starting = join(tmp, `${STEP_TMP_PREFIX}starting`);
      for (const dir of [killed, live, starting]) mkdirSync(dir);
      writeFileSync(join(killed, "pid"), "999999999\n");
      writeFileSync(join(killed, "config.json"), '{"auths":{}}');
      writeFileSync(join(live, "pid"), `${process.pid}\n`);
      writeFileSync(join(starting, "pid"), "");
      await runStep(renderStepScript({ invocations: [{ argv: ["true"] }] }), { TMPDIR: tmp });
      expect(readdirSync(tmp).sort()).toEqual([`${STEP_TMP_PREFIX}live`, `${STEP_TMP_PREFIX}starting`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("refuses a registry host that is not host[:port] (a quote would break the docker config JSON)", () => {
    for (const host of ['evil"host:5001', "a b", "-x", "host/path", "host:port"]) {
      expect(() => renderStepScript({ registryHost: host, invocations: [{ argv: ["true"] }] }), host).toThrow(/not a registry host/);
    }
    for (const host of ["localhost:5001", "127.0.0.1:5000", "[::1]:5000", "registry.example.com"]) {
      expect(() => renderStepScript({ registryHost: host, invocations: [{ argv: ["true"] }] }), host).not.toThrow();
    }
  });
});

describe("command time limit", () => {
  it("stops a command that hangs and names it", async () => {
    const started = Date.now();
    const script = renderStepScript({ timeoutSeconds: 1, invocations: [{ argv: ["sleep", "30"], env: { LAB_X: "1" } }] });
    await expect(runStep(script)).rejects.toMatchObject({ code: 124, stderr: expect.stringContaining("sleep did not finish within 1s") });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("passes a failing command's own exit status through", async () => {
    await expect(runStep(renderStepScript({ invocations: [{ argv: ["sh", "-c", "exit 7"] }] }))).rejects.toMatchObject({ code: 7 });
  });
});

describe("waitForRegistryStep", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function serve(status: number): Promise<string> {
    server = createServer((_req, res) => res.writeHead(status).end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("returns once /v2/ answers 401 on a registry with auth", async () => {
    const endpoint = await serve(401);
    const { stdout } = await runStep(renderStepScript(waitForRegistryStep({ endpoint, authEnabled: true, timeoutSeconds: 5 })));
    expect(stdout.trim()).toBe("401");
  });

  it("keeps waiting, then fails naming the registry, when auth was expected but /v2/ answers 200", async () => {
    const endpoint = await serve(200);
    const started = Date.now();
    await expect(runStep(renderStepScript(waitForRegistryStep({ endpoint, authEnabled: true, timeoutSeconds: 1 })))).rejects.toMatchObject({
      stderr: expect.stringContaining(`registry ${endpoint} did not answer`),
    });
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
