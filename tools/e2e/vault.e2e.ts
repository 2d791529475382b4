import {
  PINNED_VERSIONS,
  createTransitKeyStep,
  devServerInvocation,
  enableTransitStep,
  parseDigestRef,
  parseTransitKey,
  publicKeyStep,
  PublicEnv,
  renderStepScript,
  runStep,
  runStepOrThrow,
  signStep,
  transitKeyRef,
  vaultEnv,
  VaultEnv,
  verifyStep,
  waitForVaultStep,
  type StepScript,
  type TransitKey,
} from "@signed-image-lab/tooling";
import { execa, type ResultPromise } from "execa";
import { randomUUID } from "node:crypto";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip, PROJECT_BIN } from "./support/lab-tools.js";
import { ALICE } from "./support/signing-lab.js";
import { generateKey, verifierEnv, type TestKey } from "./support/signing.js";

/**
 * `bao` (tools/bootstrap/openbao.sh), or `undefined` with the reason printed outside CI.
 * Throws in CI, where `.ci/run` installs it.
 */
function baoOrSkip(specName: string): string | undefined {
  const found = [PROJECT_BIN, ...(process.env.PATH ?? "").split(delimiter)]
    .map((dir) => join(dir, "bao"))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (found) return found;
  const reason = `${specName}: missing bao; run tools/bootstrap/openbao.sh (see README)`;
  if (process.env.CI) throw new Error(`CI must have every tool. ${reason}`);
  console.warn(`SKIPPED ${reason}`);
  return undefined;
}

const tools = labToolsOrSkip("vault");
const bao = tools ? baoOrSkip("vault") : undefined;
const PINNED_OPENBAO = PINNED_VERSIONS.openbao.version;

/** A free loopback port whose next port is free too: the dev server's cluster listener takes it. */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<ReturnType<typeof createServer> | undefined>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(undefined));
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listen(0);
    const port = (first?.address() as { port: number } | null)?.port;
    const second = port && port < 65534 ? await listen(port + 1) : undefined;
    await Promise.all([first, second].map((s) => s && new Promise((resolve) => s.close(resolve))));
    if (port && second) return port;
  }
  throw new Error("no free pair of loopback ports");
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Local addresses (hex, as in /proc/net/tcp{,6}) of the sockets listening on `port`. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
    existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((cols) => cols[3] === "0A" && cols[1]?.endsWith(`:${hexPort}`))
          .map((cols) => cols[1]!.split(":")[0]!)
      : [],
  );
}

/** 127.0.0.1 and ::1 as /proc/net/tcp{,6} write them. */
const LOOPBACK_HEX = ["0100007F", "00000000000000000000000001000000"];

describe.skipIf(!tools || !bao)("cosign with the key in a vault (real OpenBao dev server, transit, hashivault://)", () => {
  const KEY = "lab-signer";
  const keyRef = transitKeyRef(KEY);
  const token = `lab-e2e-${randomUUID()}`;
  let lab: LabFixture;
  let registry: TestRegistry;
  let auth: Record<string, string>;
  let port: number;
  let baoHome: string;
  let server: ResultPromise | undefined;
  let serverLog = "";
  let vault: Record<string, string>;
  let transitKey: TransitKey;
  let otherKey: TestKey;
  let ref: string;

  async function stopServer(): Promise<void> {
    if (!server) return;
    const running = server;
    server = undefined;
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5_000);
    await running;
    clearTimeout(timer);
  }

  /** The lab's verify step, with the public key taken from `COSIGN_PUBLIC_KEY`. */
  function verifyWithPublicKey(publicKeyPem: string) {
    return runStep(verifyStep({ ref, format: "legacy", cosign: tools!.cosign }), { [PublicEnv.cosignPublicKey]: publicKeyPem, ...auth });
  }

  /** The lab's verify step (with its claim check), cosign fetching the public key from the vault. */
  function verifyWithVaultKeyStep(): StepScript {
    return verifyStep({ ref, format: "legacy", keyRef, cosign: tools!.cosign });
  }

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    baoHome = lab.tempDir("bao-home");
    port = await freePortPair();
    const address = `http://127.0.0.1:${port}`;
    vault = vaultEnv({ address, token });
    const [binary, ...args] = devServerInvocation({ listenAddress: `127.0.0.1:${port}`, bao }).argv as string[];
    server = execa(binary!, args, {
      env: { PATH: process.env.PATH ?? "", HOME: baoHome, [VaultEnv.devRootToken]: token },
      extendEnv: false,
      stdin: "ignore",
      buffer: false,
      reject: false,
    });
    // Kept for failure messages only; the dev server's banner names the root token.
    server.stdout?.on("data", (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-20_000)));
    server.stderr?.on("data", (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-20_000)));
    const waited = await runStep(waitForVaultStep({ bao, pollSeconds: 30 }), { [VaultEnv.address]: address });
    if (waited.exitCode !== 0) {
      throw new Error(`bao server -dev did not come up: ${waited.stderr}\n${serverLog.replaceAll(token, "<token>")}`);
    }
    await runStepOrThrow("bao secrets enable transit", enableTransitStep({ bao }), vault);
    transitKey = parseTransitKey(await runStepOrThrow("bao write transit/keys", createTransitKeyStep({ name: KEY, bao }), vault));

    registry = await lab.startRegistry([ALICE]);
    auth = registry.credentials(ALICE);
    otherKey = await generateKey(tools!, "other-pw");
    ref = await lab.pushStudentbook(registry, "studentbook", auth);
  });

  afterAll(async () => {
    await stopServer();
    await lab?.cleanup();
  });

  it("runs the pinned OpenBao as an unsealed dev server on loopback only, storing no token in HOME", async () => {
    const status = await execa(bao!, ["status", "-format=json"], { env: { ...vault, HOME: baoHome }, extendEnv: false });
    expect(JSON.parse(status.stdout)).toMatchObject({ initialized: true, sealed: false, version: PINNED_OPENBAO, storage_type: "inmem" });
    const addresses = listeningAddresses(port);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((hex) => !LOOPBACK_HEX.includes(hex))).toEqual([]);
    expect(existsSync(join(baoHome, ".vault-token"))).toBe(false);
  });

  it("holds a non-exportable ECDSA P-256 signing key in transit; creating it again keeps the same key", async () => {
    expect(transitKey).toMatchObject({ name: KEY, type: "ecdsa-p256", latestVersion: 1, exportable: false });
    expect(transitKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);
    const again = parseTransitKey(await runStepOrThrow("bao write transit/keys (again)", createTransitKeyStep({ name: KEY, bao }), vault));
    expect(again.publicKeyPem).toBe(transitKey.publicKeyPem);
    const twice = await runStep(enableTransitStep({ bao }), vault);
    expect(twice.exitCode).not.toBe(0);
    expect(twice.stderr).toContain("path is already in use at transit/");
  });

  it("cosign public-key reads the transit key's public key from the vault", async () => {
    const pem = await runStepOrThrow("cosign public-key", publicKeyStep({ keyRef, cosign: tools!.cosign }), vault);
    expect(pem.trim()).toBe(transitKey.publicKeyPem.trim());
  });

  // Legacy format only: the lab's claim check (verifyStep) expects the critical type "cosign
  // container image signature", while the pinned cosign writes "https://sigstore.dev/cosign/sign/v1"
  // into bundle-format image signatures, so verifyStep({ format: "bundle" }) refuses a genuine one.
  it("signs by digest with the key in the vault and verifies with the public key derived from it", async () => {
    const sign = signStep({ ref, keyRef, format: "legacy", cosign: tools!.cosign });
    expect(renderStepScript(sign)).not.toContain(token);
    await runStepOrThrow(`cosign sign --key ${keyRef}`, sign, { ...vault, ...auth });

    const publicKeyPem = await runStepOrThrow("cosign public-key", publicKeyStep({ keyRef, cosign: tools!.cosign }), vault);
    const verified = await verifyWithPublicKey(publicKeyPem);
    expect(verified.exitCode, verified.stderr).toBe(0);
    const claims = JSON.parse(verified.stdout) as { critical: { type: string; image: { "docker-manifest-digest": string } } }[];
    expect(claims).toHaveLength(1);
    expect(claims[0]?.critical).toMatchObject({
      type: "cosign container image signature",
      image: { "docker-manifest-digest": parseDigestRef(ref).digest },
    });
  });

  it("fails verification with another key", async () => {
    const verified = await runStep(verifyStep({ ref, format: "legacy", cosign: tools!.cosign }), { ...verifierEnv(otherKey), ...auth });
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(/no matching signatures|invalid signature/i);
  });

  it("verifies with --key hashivault://… (cosign asks the vault for the key), and not with a wrong vault token", async () => {
    const step = verifyWithVaultKeyStep();
    const verified = await runStep(step, { ...vault, ...auth });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(parseDigestRef(ref).digest);

    const refused = await runStep(step, { ...vault, [VaultEnv.token]: "not-the-token", ...auth });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/permission denied/);
  });

  it("refuses to sign without a valid vault token, naming the cause", async () => {
    const signed = await runStep(signStep({ ref, keyRef, format: "legacy", cosign: tools!.cosign }), {
      ...vault,
      [VaultEnv.token]: "not-the-token",
      ...auth,
    });
    expect(signed.exitCode).not.toBe(0);
    expect(signed.stderr).toMatch(/permission denied/);
    expect(signed.stderr).not.toContain(token);
  });

  it("leaves nothing behind", async () => {
    const pid = server?.pid;
    expect(pid).toBeGreaterThan(0);
    await stopServer();
    expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
    expect(await accepts(port)).toBe(false);
    expect(await accepts(port + 1)).toBe(false);
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
