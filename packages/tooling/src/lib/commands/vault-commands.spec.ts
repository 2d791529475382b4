import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { signStep } from "./cosign-commands.js";
import { renderStepScript, type StepScript } from "../core/step-script.js";
import {
  checkTransitKeyName,
  createTransitKeyStep,
  devServerInvocation,
  enableTransitStep,
  parseTransitKey,
  transitKeyRef,
  vaultEnv,
  VaultEnv,
  waitForVaultStep,
} from "./vault-commands.js";

const TOKEN = "s3cret-vault-token";
const PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";

function argvOf(step: StepScript, index = 0): unknown[] {
  return [...(step.invocations[index]?.argv ?? [])];
}

/** What `bao write -format=json -f transit/keys/lab type=ecdsa-p256` prints (trimmed). */
function transitAnswer(data: Record<string, unknown> = {}): string {
  return JSON.stringify({
    request_id: "x",
    data: {
      name: "lab",
      type: "ecdsa-p256",
      latest_version: 1,
      exportable: false,
      supports_signing: true,
      keys: { "1": { name: "P-256", public_key: PEM } },
      ...data,
    },
  });
}

describe("vault steps", () => {
  it("read address and token from VAULT_ADDR and VAULT_TOKEN, the names bao and cosign both read", () => {
    expect(VaultEnv).toMatchObject({ address: "VAULT_ADDR", token: "VAULT_TOKEN", transitPath: "TRANSIT_SECRET_ENGINE_PATH" });
    expect(vaultEnv({ address: "http://127.0.0.1:8200", token: TOKEN })).toEqual({
      VAULT_ADDR: "http://127.0.0.1:8200",
      VAULT_TOKEN: TOKEN,
    });
    expect(vaultEnv({ address: "http://v", token: TOKEN, transitPath: "lab/transit" })).toMatchObject({
      TRANSIT_SECRET_ENGINE_PATH: "lab/transit",
    });
  });

  it("enable transit and create an ECDSA P-256 key, answering JSON", () => {
    expect(argvOf(enableTransitStep())).toEqual(["bao", "secrets", "enable", "-path=transit", "transit"]);
    expect(argvOf(enableTransitStep({ path: "lab/transit", bao: "/t/bao" }))).toEqual([
      "/t/bao",
      "secrets",
      "enable",
      "-path=lab/transit",
      "transit",
    ]);
    expect(argvOf(createTransitKeyStep({ name: "lab-signer" }))).toEqual([
      "bao",
      "write",
      "-format=json",
      "-f",
      "transit/keys/lab-signer",
      "type=ecdsa-p256",
    ]);
    expect(argvOf(createTransitKeyStep({ name: "k.v2", path: "lab/transit" }))[4]).toBe("lab/transit/keys/k.v2");
  });

  it("wait on the unauthenticated seal status, bounded", () => {
    const step = waitForVaultStep({ pollSeconds: 7 });
    expect(argvOf(step)).toEqual(["bao", "read", "-field=sealed", "sys/seal-status"]);
    expect(step.invocations[0]?.pollUntil).toEqual({
      stdout: "false",
      timeoutSeconds: 7,
      failure: "the vault at VAULT_ADDR did not report unsealed within 7s (is bao server running?)",
    });
  });

  it("never put the token (or any secret) into a rendered script: the steps take none", () => {
    const env = vaultEnv({ address: "http://127.0.0.1:8200", token: TOKEN });
    const scripts = [
      waitForVaultStep(),
      enableTransitStep(),
      createTransitKeyStep({ name: "lab" }),
      signStep({ ref: `localhost:5001/app@sha256:${"ab".repeat(32)}`, keyRef: transitKeyRef("lab"), format: "legacy" }),
    ].map(renderStepScript);
    for (const script of scripts) {
      expect(script).not.toContain(TOKEN);
      expect(script).not.toMatch(/VAULT_TOKEN|BAO_TOKEN|-dev-root-token-id/);
      expect(script).not.toContain(env[VaultEnv.address]);
    }
    expect(scripts[3]).toContain("--key hashivault://lab");
  });

  it.each(["", "-lab", "lab-", "lab.", "a/b", "../x", "a b", "hashivault://lab", "lab\n", "schlüssel", "lab;rm", "$HOME"])(
    "refuse the key name %j",
    (name) => {
      expect(() => createTransitKeyStep({ name })).toThrow(/not a transit key name/);
      expect(() => transitKeyRef(name)).toThrow(/not a transit key name/);
    },
  );

  it.each(["lab", "a", "lab-signer", "lab_signer.v2", "L4b"])("accept the key name %j, as cosign's hashivault:// does", (name) => {
    expect(checkTransitKeyName(name)).toBe(name);
    expect(transitKeyRef(name)).toBe(`hashivault://${name}`);
  });

  it.each(["", "/transit", "transit/", "a//b", "../transit", "tr ansit"])("refuse the mount path %j", (path) => {
    expect(() => enableTransitStep({ path })).toThrow(/not a transit mount path/);
    expect(() => createTransitKeyStep({ name: "lab", path })).toThrow(/not a transit mount path/);
    expect(() => vaultEnv({ address: "http://v", token: TOKEN, transitPath: path })).toThrow(/not a transit mount path/);
  });

  it("start the dev server on loopback only, with the root token left to the environment", () => {
    expect(devServerInvocation({ listenAddress: "127.0.0.1:18200" }).argv).toEqual([
      "bao",
      "server",
      "-dev",
      "-dev-listen-address=127.0.0.1:18200",
      "-dev-no-store-token",
      "-log-level=warn",
    ]);
    expect(devServerInvocation({ listenAddress: "[::1]:18200", bao: "/t/bao" }).argv[0]).toBe("/t/bao");
    for (const listenAddress of [
      "0.0.0.0:8200",
      ":8200",
      "localhost:8200",
      "10.0.0.1:8200",
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:65535",
      "127.0.0.1:8200 -dev-tls",
    ]) {
      expect(() => devServerInvocation({ listenAddress }), listenAddress).toThrow(/must listen on loopback/);
    }
  });

  describe("parseTransitKey", () => {
    it("returns the latest version's public key of a non-exportable ecdsa-p256 key", () => {
      expect(parseTransitKey(transitAnswer())).toEqual({
        name: "lab",
        type: "ecdsa-p256",
        latestVersion: 1,
        publicKeyPem: PEM,
        exportable: false,
      });
      const rotated = transitAnswer({ latest_version: 2, keys: { "1": { public_key: "old" }, "2": { public_key: PEM } } });
      expect(parseTransitKey(rotated).publicKeyPem).toBe(PEM);
    });

    it("refuses a key of another type: transit keeps the type of a name that exists", () => {
      expect(() => parseTransitKey(transitAnswer({ type: "rsa-2048" }))).toThrow(
        "transit key lab exists with type rsa-2048, not ecdsa-p256",
      );
    });

    it("refuses an exportable key", () => {
      expect(() => parseTransitKey(transitAnswer({ exportable: true }))).toThrow(/is exportable/);
    });

    it.each([
      ["not JSON", "Success!"],
      ["no data", "{}"],
      ["no public key of the latest version", transitAnswer({ latest_version: 3 })],
    ])("refuses an answer with %s", (_what, stdout) => {
      expect(() => parseTransitKey(stdout)).toThrow(/not JSON|lacks/);
    });
  });

  describe("the rendered wait (real sh, a stand-in bao)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vault-wait-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function runWait(sealedAnswer: string, pollSeconds: number) {
      const fakeBao = join(dir, `bao-${sealedAnswer}`);
      writeFileSync(fakeBao, `#!/bin/sh\n[ "$*" = "read -field=sealed sys/seal-status" ] || exit 9\nprintf '%s' '${sealedAnswer}'\n`, {
        mode: 0o755,
      });
      const script = renderStepScript(waitForVaultStep({ bao: fakeBao, pollSeconds }));
      return promisify(execFile)("/bin/sh", ["-c", script]).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    }

    it("ends as soon as the vault is unsealed", async () => {
      const result = await runWait("false", 5);
      expect(result).toMatchObject({ code: 0, stdout: "false\n" });
    });

    it("gives up with a message while it stays sealed", async () => {
      const started = Date.now();
      const result = await runWait("true", 1);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the vault at VAULT_ADDR did not report unsealed within 1s");
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
