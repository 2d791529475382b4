import {
  logKeyStep,
  parseDigestRef,
  parseLogKey,
  PRIVATE_KEY_FROM_ENV,
  probeArtifacts,
  runStepOrThrow,
  attestStep,
  splitPemBlocks,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { ALICE, useSigningLab } from "./support/signing-lab.js";
import { fileSha256, sign, signerEnv } from "./support/signing.js";
import {
  attestWithTimestamp,
  signWithTimestamp,
  startAuthority,
  startLog,
  trustedRootWithLog,
  verifyAttestationWithTimestamps,
  verifyWithTimestamps,
  type TestAuthority,
  type TestLog,
} from "./support/timestamps.js";

const tools = labToolsOrSkip("transparency");

/** What cosign says when a signature carries no timestamp the trusted root vouches for. */
const NO_TRUSTED_TIMESTAMP = /threshold not met for verified signed timestamps: 0 < 1/;
/** ... and when the timestamp's signer is not a TSA of the trusted root. */
const FOREIGN_TIMESTAMP = /unable to verify signed timestamps: error while verifying signature: pkcs7: No certificate for signer/;

describe.skipIf(!tools)("signed timestamps from the lab's own timestamp authority (real TSA, real cosign, offline)", () => {
  const env = useSigningLab(tools);
  /** The lab's TSA, in the trusted root verification uses. */
  let lab: TestAuthority;
  /** Another TSA with its own key and root, in no trusted root the lab uses. */
  let other: TestAuthority;
  let predicate: string;
  /** studentbook signed with a timestamp from the lab's TSA. */
  let timestamped: string;

  beforeAll(async () => {
    if (!tools) return;
    [lab, other] = [await startAuthority(env.lab, tools, "lab TSA"), await startAuthority(env.lab, tools, "other TSA")];
    predicate = join(env.lab.tempDir("predicate"), "sbom.spdx.json");
    writeFileSync(predicate, JSON.stringify({ spdxVersion: "SPDX-2.3", SPDXID: "SPDXRef-DOCUMENT", name: "t", packages: [] }));
    timestamped = env.ref;
  });

  it("makes a TSA key and chain: a timestamping certificate (one critical EKU) under a root whose key is gone", () => {
    const [leaf, root] = splitPemBlocks(lab.key.certificateChainPem).map((b) => new X509Certificate(b.text));
    expect(leaf!.ca).toBe(false);
    expect(root!.ca).toBe(true);
    expect(leaf!.checkIssued(root!)).toBe(true);
    expect(leaf!.verify(root!.publicKey)).toBe(true);
    expect(leaf!.keyUsage).toEqual(["1.3.6.1.5.5.7.3.8"]);
    const key = createPrivateKey(lab.key.privateKeyPem);
    expect(createPublicKey(key).export({ format: "jwk" })).toEqual(leaf!.publicKey.export({ format: "jwk" }));
    expect(lab.key.privateKeyPem).not.toBe(other.key.privateKeyPem);
  });

  it("makes a trusted root that names the lab's TSA and no public Sigstore service", () => {
    const root = JSON.parse(lab.trustedRoot) as Record<string, unknown> & {
      timestampAuthorities: { uri: string; certChain: { certificates: unknown[] } }[];
    };
    expect(root.timestampAuthorities.map((t) => t.uri)).toEqual([lab.url]);
    expect(root.timestampAuthorities[0]!.certChain.certificates).toHaveLength(2);
    for (const service of ["tlogs", "certificateAuthorities", "ctlogs"]) expect(root[service] ?? []).toEqual([]);
  });

  it("signs with a signed timestamp and verifies against the lab's trusted root", async () => {
    const signed = await signWithTimestamp(tools!, timestamped, env.labKey, lab, env.auth);
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect(signed.stderr).not.toMatch(/tuf|rekor/i);
    const verified = await verifyWithTimestamps(tools!, timestamped, env.labKey, lab.trustedRoot, env.auth);
    expect(verified.exitCode, verified.stderr).toBe(0);
    const claims = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string } } }[];
    expect(claims[0]?.critical.image["docker-manifest-digest"]).toBe(parseDigestRef(timestamped).digest);
    expect((await verifyWithTimestamps(tools!, timestamped, env.otherKey, lab.trustedRoot, env.auth)).exitCode).not.toBe(0);
  });

  it("attests the SBOM with a signed timestamp and verifies the attestation against the lab's trusted root", async () => {
    const attested = await attestWithTimestamp(tools!, timestamped, env.labKey, lab, predicate, env.auth);
    expect(attested.exitCode, attested.stderr).toBe(0);
    const verified = await verifyAttestationWithTimestamps(tools!, timestamped, env.labKey, lab.trustedRoot, env.auth);
    expect(verified.exitCode, verified.stderr).toBe(0);
    const foreign = await verifyAttestationWithTimestamps(tools!, timestamped, env.labKey, other.trustedRoot, env.auth);
    expect(foreign.exitCode).not.toBe(0);
    expect(foreign.stderr).toMatch(FOREIGN_TIMESTAMP);
  });

  it("the drift check finds the timestamped signature and attestation (cosign leaves the index entries unannotated)", async () => {
    expect(await probeArtifacts(timestamped, "bundle", { username: ALICE.username, password: ALICE.password })).toEqual({
      signature: true,
      attestation: true,
      attachment: false,
    });
  });

  it("stock cosign verifies offline against the exported trusted root, with the TSA paused", async () => {
    const dir = env.lab.tempDir("stock");
    writeFileSync(join(dir, "trusted-root.json"), lab.trustedRoot);
    writeFileSync(join(dir, "cosign.pub"), env.labKey.publicKeyPem);
    const auth = Buffer.from(`${ALICE.username}:${ALICE.password}`).toString("base64");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [env.registry.endpoint]: { auth } } }));
    await execa(tools!.docker, ["pause", lab.container]);
    try {
      const stock = await execa(
        tools!.cosign,
        [
          "verify",
          "--key",
          join(dir, "cosign.pub"),
          "--trusted-root",
          join(dir, "trusted-root.json"),
          "--use-signed-timestamps",
          "--insecure-ignore-tlog",
          timestamped,
        ],
        { env: { PATH: process.env.PATH ?? "", HOME: dir, DOCKER_CONFIG: dir }, extendEnv: false, reject: false, timeout: 60_000 },
      );
      expect(stock.exitCode, stock.stderr).toBe(0);
      expect(stock.stderr).not.toMatch(/tuf/i);
      const attestation = await execa(
        tools!.cosign,
        [
          "verify-attestation",
          "--key",
          join(dir, "cosign.pub"),
          "--trusted-root",
          join(dir, "trusted-root.json"),
          "--use-signed-timestamps",
          "--insecure-ignore-tlog",
          "--type",
          "spdxjson",
          timestamped,
        ],
        { env: { PATH: process.env.PATH ?? "", HOME: dir, DOCKER_CONFIG: dir }, extendEnv: false, reject: false, timeout: 60_000 },
      );
      expect(attestation.exitCode, attestation.stderr).toBe(0);
    } finally {
      await execa(tools!.docker, ["unpause", lab.container]);
    }
  });

  it("fails closed for a signature without a timestamp", async () => {
    const untimed = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/untimed:1.0`,
      env.auth,
    );
    await sign(tools!, untimed, env.labKey, env.auth, "bundle");
    const verified = await verifyWithTimestamps(tools!, untimed, env.labKey, lab.trustedRoot, env.auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(NO_TRUSTED_TIMESTAMP);
    expect(verified.stderr).toMatch(/error: %!w\(<nil>\)/); // no timestamp at all, not a bad one
    await runStepOrThrow(
      "cosign attest without a timestamp",
      attestStep({
        ref: untimed,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: predicate,
        sbomFormat: "spdx-json",
        sbomSha256: fileSha256(predicate),
        format: "bundle",
        cosign: tools!.cosign,
      }),
      { ...signerEnv(env.labKey), ...env.auth },
    );
    const attestation = await verifyAttestationWithTimestamps(tools!, untimed, env.labKey, lab.trustedRoot, env.auth);
    expect(attestation.exitCode).not.toBe(0);
    expect(attestation.stderr).toMatch(NO_TRUSTED_TIMESTAMP);
  });

  it("fails closed for a timestamp from another authority (a second TSA with its own key, not in the trusted root)", async () => {
    const foreign = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/foreign:1.0`,
      env.auth,
    );
    const signed = await signWithTimestamp(tools!, foreign, env.labKey, other, env.auth);
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect((await verifyWithTimestamps(tools!, foreign, env.labKey, other.trustedRoot, env.auth)).exitCode).toBe(0);
    const verified = await verifyWithTimestamps(tools!, foreign, env.labKey, lab.trustedRoot, env.auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(FOREIGN_TIMESTAMP);
  });

  it("fails closed when the trusted root does not hold the key of the TSA that timestamped", async () => {
    // The lab's URL, but another authority's chain: the timestamp's signing key is not in it.
    const swapped = JSON.parse(other.trustedRoot) as { timestampAuthorities: { uri: string }[] };
    swapped.timestampAuthorities[0]!.uri = lab.url;
    const verified = await verifyWithTimestamps(tools!, timestamped, env.labKey, JSON.stringify(swapped), env.auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(FOREIGN_TIMESTAMP);
  });

  it("the timestamp server refuses to start with a key that is not its chain's", async () => {
    const mismatched = { privateKeyPem: other.key.privateKeyPem, certificateChainPem: lab.key.certificateChainPem };
    await expect(env.lab.startTimestampAuthority(mismatched, 5)).rejects.toThrow(/did not answer .* within 5s/);
    const { stdout } = await execa(tools!.docker, [
      "ps",
      "-a",
      "--filter",
      `label=signed-image-lab.e2e=${env.lab.runId}`,
      "--format",
      "{{.Names}}",
    ]);
    const name = stdout.split("\n").find((n) => n.endsWith("-tsa-3"))!;
    const logs = await execa(tools!.docker, ["logs", name], { reject: false });
    expect(`${logs.stdout}${logs.stderr}`).toMatch(/ecdsa public keys are not equal/);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});

/** What cosign says when no entry of a log in the trusted root vouches for the signature. */
const NOT_IN_LOG = /failed to verify log inclusion: not enough verified log entries from transparency log: 0 < 1/;

describe.skipIf(!tools)("timestamps and a transparency log: the lab's own Rekor v2 (real Rekor v2, real TSA, real cosign, offline)", () => {
  const env = useSigningLab(tools);
  let tsa: TestAuthority;
  let log: TestLog;
  /** The lab's trusted root: its TSA and its log. */
  let trustedRoot: string;
  let predicate: string;

  beforeAll(async () => {
    if (!tools) return;
    tsa = await startAuthority(env.lab, tools, "lab TSA");
    log = await startLog(env.lab);
    trustedRoot = await trustedRootWithLog(tools, tsa, { url: log.url, publicKeyPem: log.key.publicKeyPem });
    predicate = join(env.lab.tempDir("predicate"), "sbom.spdx.json");
    writeFileSync(predicate, JSON.stringify({ spdxVersion: "SPDX-2.3", SPDXID: "SPDXRef-DOCUMENT", name: "t", packages: [] }));
  });

  it("makes a trusted root with the lab's TSA and its log (Ed25519 key, checkpoint origin 127.0.0.1)", () => {
    const root = JSON.parse(trustedRoot) as {
      tlogs: { baseUrl: string; publicKey: { keyDetails: string } }[];
      timestampAuthorities: unknown[];
    };
    expect(root.tlogs.map((t) => t.baseUrl)).toEqual([log.url]);
    expect(root.tlogs[0]!.publicKey.keyDetails).toBe("PKIX_ED25519");
    expect(root.timestampAuthorities).toHaveLength(1);
  });

  it("signs and attests into the log with timestamps, and verifies both with log inclusion required (no --insecure-ignore-tlog)", async () => {
    const signing = { tsa, trustedRoot, logUrl: log.url };
    const signed = await signWithTimestamp(tools!, env.ref, env.labKey, signing, env.auth);
    expect(signed.exitCode, signed.stderr).toBe(0);
    const attested = await attestWithTimestamp(tools!, env.ref, env.labKey, signing, predicate, env.auth);
    expect(attested.exitCode, attested.stderr).toBe(0);
    const verified = await verifyWithTimestamps(tools!, env.ref, env.labKey, trustedRoot, env.auth, true);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).not.toMatch(/Skipping tlog verification/);
    const attestation = await verifyAttestationWithTimestamps(tools!, env.ref, env.labKey, trustedRoot, env.auth, true);
    expect(attestation.exitCode, attestation.stderr).toBe(0);
  });

  it("stock cosign verifies offline against the trusted root, with the TSA and the log paused", async () => {
    const dir = env.lab.tempDir("stock-log");
    writeFileSync(join(dir, "trusted-root.json"), trustedRoot);
    writeFileSync(join(dir, "cosign.pub"), env.labKey.publicKeyPem);
    const auth = Buffer.from(`${ALICE.username}:${ALICE.password}`).toString("base64");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [env.registry.endpoint]: { auth } } }));
    await execa(tools!.docker, ["pause", tsa.container, log.container]);
    try {
      const stock = await execa(
        tools!.cosign,
        ["verify", "--key", join(dir, "cosign.pub"), "--trusted-root", join(dir, "trusted-root.json"), "--use-signed-timestamps", env.ref],
        { env: { PATH: process.env.PATH ?? "", HOME: dir, DOCKER_CONFIG: dir }, extendEnv: false, reject: false, timeout: 60_000 },
      );
      expect(stock.exitCode, stock.stderr).toBe(0);
      expect(stock.stderr).toMatch(/Existence of the claims in the transparency log was verified offline/);
    } finally {
      await execa(tools!.docker, ["unpause", tsa.container, log.container]);
    }
  });

  it("fails closed for a signature missing from the log (timestamped only)", async () => {
    const unlogged = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/unlogged:1.0`,
      env.auth,
    );
    const signed = await signWithTimestamp(tools!, unlogged, env.labKey, { tsa, trustedRoot }, env.auth);
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect((await verifyWithTimestamps(tools!, unlogged, env.labKey, trustedRoot, env.auth, false)).exitCode).toBe(0);
    const verified = await verifyWithTimestamps(tools!, unlogged, env.labKey, trustedRoot, env.auth, true);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(NOT_IN_LOG);
  });

  it("fails closed when the trusted root holds another key for the log", async () => {
    const other = parseLogKey(await runStepOrThrow("another log key", logKeyStep()));
    const foreignRoot = await trustedRootWithLog(tools!, tsa, { url: log.url, publicKeyPem: other.publicKeyPem });
    const verified = await verifyWithTimestamps(tools!, env.ref, env.labKey, foreignRoot, env.auth, true);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(NOT_IN_LOG);
    // Signing against such a root fails too: cosign checks the entry it just made.
    const relogged = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/relogged:1.0`,
      env.auth,
    );
    const signed = await signWithTimestamp(tools!, relogged, env.labKey, { tsa, trustedRoot: foreignRoot, logUrl: log.url }, env.auth);
    expect(signed.exitCode).not.toBe(0);
    expect(signed.stderr).toMatch(/failed to verify log inclusion/);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
