import {
  MANIFEST_TYPES,
  attachSbomStep,
  attestStep,
  certificateAuthorityStep,
  cleanStep,
  downloadSbomStep,
  parseDigestRef,
  parseKeyAndCertificate,
  parseSbomSummary,
  PRIVATE_KEY_FROM_ENV,
  promoteStep,
  runStep,
  runStepOrThrow,
  scanStep,
  SecretEnv,
  serverCertificateStep,
  TLS_CA_CERT_ENV,
  TLS_CA_KEY_ENV,
  verifyAttestationStep,
  verifyStep,
  type SignatureFormat,
  type StepResult,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry, type TestUser } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { fileSha256, generateKey, sign, signerEnv, verifierEnv, verify, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("promotion");

/** Each registry knows only its own user: credentials that reach the wrong side fail. */
const STAGER: TestUser = { username: "stager", password: "staging-pw" };
const RELEASER: TestUser = { username: "releaser", password: "production-pw" };
const WRONG_PASSWORD = "not-the-production-pw-7f3a";

describe.skipIf(!tools)("promotion from a staging registry to a production one (real oras, cosign, registries)", () => {
  let lab: LabFixture;
  let staging: TestRegistry;
  let production: TestRegistry;
  let labKey: TestKey;
  let otherKey: TestKey;
  let sbomFile: string;
  /** studentbook pushed to staging once per signature format (one digest, two repositories). */
  const refs = {} as Record<SignatureFormat, string>;

  const stagingAuth = () => staging.credentials(STAGER);
  const productionAuth = () => production.credentials(RELEASER);
  /** The production user's credentials in the variables a promotion reads for its target. */
  const targetAuth = (user: TestUser = RELEASER) => ({
    [SecretEnv.targetRegistryUsername]: user.username,
    [SecretEnv.targetRegistryPassword]: user.password,
  });

  beforeAll(async () => {
    if (!tools) return;
    lab = new LabFixture(tools);
    [staging, production] = await Promise.all([lab.startRegistry([STAGER]), lab.startRegistry([RELEASER])]);
    [labKey, otherKey] = await Promise.all([generateKey(tools, "lab-key-pw"), generateKey(tools, "other-pw")]);
    refs.legacy = await lab.pushStudentbook(staging, "staging/legacy", stagingAuth());
    refs.bundle = await lab.pushStudentbook(staging, "staging/bundle", stagingAuth());
    sbomFile = join(lab.tempDir("sbom"), "studentbook.spdx.json");
    parseSbomSummary(
      await runStepOrThrow(
        "syft scan",
        scanStep({ ref: refs.legacy, outFile: sbomFile, sbomFormat: "spdx-json", syft: tools.syft, node: tools.node }),
        stagingAuth(),
      ),
    );
  });
  afterAll(() => lab?.cleanup());

  /** Signs, attests the SBOM and attaches it in staging, as the pipeline does with `sbomAttach: both`. */
  async function signAttestAttach(ref: string, format: SignatureFormat, key: TestKey = labKey): Promise<void> {
    await sign(tools!, ref, key, stagingAuth(), format);
    await runStepOrThrow(
      `cosign attest (${format})`,
      attestStep({
        ref,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: sbomFile,
        sbomFormat: "spdx-json",
        sbomSha256: fileSha256(sbomFile),
        format,
        cosign: tools!.cosign,
      }),
      { ...signerEnv(key), ...stagingAuth() },
    );
    await runStepOrThrow(
      "cosign attach sbom",
      attachSbomStep({ ref, sbomFile, sbomFormat: "spdx-json", sbomSha256: fileSha256(sbomFile), cosign: tools!.cosign }),
      stagingAuth(),
    );
  }

  /** Write requests (PUT, POST, PATCH, DELETE) in a registry's access log, complete up to now. */
  async function writesSeenBy(registry: TestRegistry): Promise<number> {
    // A request with a unique marker: once the log shows it, every earlier request is in the log too.
    const marker = randomUUID();
    await fetch(`http://${registry.endpoint}/v2/?marker=${marker}`, { signal: AbortSignal.timeout(5000) });
    for (let attempt = 0; attempt < 50; attempt++) {
      // The access log alone (the container's stdout, in order); stderr repeats each request.
      const { stdout } = await execa(tools!.docker, ["logs", registry.container]);
      const lines = stdout.split("\n");
      const upTo = lines.findIndex((line) => line.includes(marker));
      if (upTo >= 0) return lines.slice(0, upTo).filter((line) => /"(PUT|POST|PATCH|DELETE) \/v2\//.test(line)).length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the access log of ${registry.container} never showed the marker request`);
  }

  /** Production's answer for a manifest (by digest or tag) in `repository`: 200 and its digest when there, 404 when not. */
  async function productionManifest(repository: string, reference: string): Promise<{ status: number; digest: string | null }> {
    const basic = Buffer.from(`${RELEASER.username}:${RELEASER.password}`).toString("base64");
    const answer = await fetch(`http://${production.endpoint}/v2/${repository}/manifests/${reference}`, {
      method: "HEAD",
      headers: { Authorization: `Basic ${basic}`, Accept: MANIFEST_TYPES },
      signal: AbortSignal.timeout(5000),
    });
    return { status: answer.status, digest: answer.headers.get("docker-content-digest") };
  }

  /** Runs the promotion step, and checks that staging saw no write while it ran. */
  async function promote(
    options: Omit<Parameters<typeof promoteStep>[0], "oras" | "cosign" | "node">,
    env: Record<string, string>,
  ): Promise<StepResult> {
    const before = await writesSeenBy(staging);
    const result = await runStep(promoteStep({ ...options, oras: tools!.oras, cosign: tools!.cosign, node: tools!.node }), env);
    expect(await writesSeenBy(staging), "writes to the staging registry during the promotion").toBe(before);
    return result;
  }

  for (const format of ["legacy", "bundle"] as const) {
    it(`promotes a signed, attested image with its attached SBOM by digest (${format}), and stock cosign verifies it in production`, async () => {
      const ref = refs[format];
      await signAttestAttach(ref, format);
      expect(await writesSeenBy(staging), "the access log shows staging's writes (push, sign, attest)").toBeGreaterThan(0);
      const { digest } = parseDigestRef(ref);
      const targetRepository = `${production.endpoint}/prod/${format}`;

      const promoted = await promote(
        { sourceRef: ref, targetRepository, format, sbomAttached: true, ...(format === "bundle" ? { targetTag: "1.0" } : {}) },
        { ...verifierEnv(labKey), ...stagingAuth(), ...targetAuth() },
      );
      expect(promoted.stderr).not.toMatch(/lab: .* failed/);
      expect(promoted.exitCode, promoted.stderr).toBe(0);
      expect(promoted.stdout).toBe(`${targetRepository}@${digest}`);

      const targetRef = promoted.stdout;
      const verified = await verify(tools!, targetRef, labKey, productionAuth(), format);
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.stderr).toContain("The signatures were verified against the specified public key");
      const attested = await runStep(verifyAttestationStep({ ref: targetRef, sbomFormat: "spdx-json", format, cosign: tools!.cosign }), {
        ...verifierEnv(labKey),
        ...productionAuth(),
      });
      expect(attested.exitCode, attested.stderr).toBe(0);
      const sbom = await runStepOrThrow(
        "cosign download sbom (production)",
        downloadSbomStep({ ref: targetRef, cosign: tools!.cosign }),
        productionAuth(),
      );
      expect(JSON.parse(sbom)).toEqual(JSON.parse(readFileSync(sbomFile, "utf8")));
      // The copies carry the staging key's signatures, not a signature of their own: another key fails.
      expect((await verify(tools!, targetRef, otherKey, productionAuth(), format)).exitCode).not.toBe(0);
      if (format === "bundle") expect(await productionManifest(`prod/${format}`, "1.0")).toEqual({ status: 200, digest });
    });
  }

  it("promotes to and from a registry over TLS, trusting each side's CA for that side only", async () => {
    const ca = parseKeyAndCertificate(await runStepOrThrow("openssl CA", certificateAuthorityStep({ days: 1 })));
    const server = parseKeyAndCertificate(
      await runStepOrThrow("openssl server certificate", serverCertificateStep({ days: 1 }), {
        [TLS_CA_KEY_ENV]: ca.privateKeyPem,
        [TLS_CA_CERT_ENV]: ca.certificatePem,
      }),
    );
    const caFile = join(lab.tempDir("ca"), "ca.crt");
    writeFileSync(caFile, ca.certificatePem);
    const secure = await lab.startRegistry([RELEASER], {
      certificatePem: server.certificatePem,
      privateKeyPem: server.privateKeyPem,
      caFile,
    });
    const step = (options: Omit<Parameters<typeof promoteStep>[0], "oras" | "cosign" | "node" | "format">) =>
      promoteStep({ ...options, format: "legacy", sbomAttached: true, oras: tools!.oras, cosign: tools!.cosign, node: tools!.node });

    // Without a CA a loopback registry is plain HTTP by the one transport rule: the TLS registry
    // refuses that, and oras neither retries over unverified https nor copies anything.
    const withoutCa = await runStep(step({ sourceRef: refs.legacy, targetRepository: `${secure.endpoint}/prod/app` }), {
      ...verifierEnv(labKey),
      ...stagingAuth(),
      ...targetAuth(),
    });
    expect(withoutCa.exitCode).not.toBe(0);
    expect(withoutCa.stderr).toMatch(
      /Error from destination registry .*"http:\/\/localhost:\d+\/v2\/prod\/app\/manifests\/sha256:[a-f0-9]{64}": response status code 400/,
    );

    const impostorCaFile = join(lab.tempDir("impostor-ca"), "ca.crt");
    writeFileSync(
      impostorCaFile,
      parseKeyAndCertificate(await runStepOrThrow("openssl CA", certificateAuthorityStep({ days: 1 }))).certificatePem,
    );
    const impostor = await runStep(
      step({ sourceRef: refs.legacy, targetRepository: `${secure.endpoint}/prod/app`, targetCaFile: impostorCaFile }),
      {
        ...verifierEnv(labKey),
        ...stagingAuth(),
        ...targetAuth(),
      },
    );
    expect(impostor.exitCode).not.toBe(0);
    expect(impostor.stderr).toMatch(/x509: certificate signed by unknown authority/);

    const first = await runStep(step({ sourceRef: refs.legacy, targetRepository: `${secure.endpoint}/prod/app`, targetCaFile: caFile }), {
      ...verifierEnv(labKey),
      ...stagingAuth(),
      ...targetAuth(),
    });
    expect(first.exitCode, first.stderr).toBe(0);
    // From the TLS registry on: its credentials are now the source's, production's the target's.
    const second = await runStep(
      step({ sourceRef: first.stdout, targetRepository: `${production.endpoint}/prod/via-tls`, sourceCaFile: caFile }),
      {
        ...verifierEnv(labKey),
        ...secure.credentials(RELEASER),
        ...targetAuth(),
      },
    );
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toBe(`${production.endpoint}/prod/via-tls@${parseDigestRef(refs.legacy).digest}`);
    const verified = await runStep(verifyStep({ ref: second.stdout, format: "legacy", cosign: tools!.cosign, node: tools!.node }), {
      ...verifierEnv(labKey),
      ...productionAuth(),
    });
    expect(verified.exitCode, verified.stderr).toBe(0);
  });

  it("refuses a source signed by another key and copies nothing", async () => {
    const tampered = await lab.pushChangedImage(
      `${staging.endpoint}/staging/legacy:1.0`,
      `${staging.endpoint}/staging/tampered:1.0`,
      stagingAuth(),
    );
    await sign(tools!, tampered, otherKey, stagingAuth(), "bundle");
    const refused = await promote(
      { sourceRef: tampered, targetRepository: `${production.endpoint}/prod/tampered`, format: "bundle" },
      { ...verifierEnv(labKey), ...stagingAuth(), ...targetAuth() },
    );
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/no matching (signatures|attestations)|signatures do not match threshold/i);
    expect(refused.stderr).toMatch(/lab: cosign failed .* for .*staging\/tampered@sha256:[a-f0-9]{64} -> .*\/prod\/tampered/);
    expect(refused.stdout).toBe("");
    expect((await productionManifest("prod/tampered", parseDigestRef(tampered).digest)).status).toBe(404);
  });

  it("refuses a source whose signature was deleted after signing, and copies nothing", async () => {
    const unsigned = await lab.pushChangedImage(
      `${staging.endpoint}/staging/legacy:1.0`,
      `${staging.endpoint}/staging/unsigned:1.0`,
      stagingAuth(),
    );
    await sign(tools!, unsigned, labKey, stagingAuth(), "legacy");
    await runStepOrThrow(
      "cosign clean --type signature",
      cleanStep({ ref: unsigned, type: "signature", cosign: tools!.cosign }),
      stagingAuth(),
    );
    const refused = await promote(
      { sourceRef: unsigned, targetRepository: `${production.endpoint}/prod/unsigned`, format: "legacy", attested: false },
      { ...verifierEnv(labKey), ...stagingAuth(), ...targetAuth() },
    );
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/no signatures found/i);
    expect((await productionManifest("prod/unsigned", parseDigestRef(unsigned).digest)).status).toBe(404);
  });

  it("fails with the registry's own word and the step's subject when the production credentials are wrong", async () => {
    const { digest } = parseDigestRef(refs.legacy);
    const refused = await promote(
      { sourceRef: refs.legacy, targetRepository: `${production.endpoint}/prod/denied`, format: "legacy", sbomAttached: true },
      { ...verifierEnv(labKey), ...stagingAuth(), ...targetAuth({ username: RELEASER.username, password: WRONG_PASSWORD }) },
    );
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/Error from destination registry for "[^"]*\/prod\/denied@sha256:[a-f0-9]{64}": .*401: Unauthorized/);
    expect(refused.stderr).toContain(`lab: oras failed`);
    expect(refused.stderr).toContain(`for ${refs.legacy} -> ${production.endpoint}/prod/denied`);
    expect(refused.stderr).not.toContain(WRONG_PASSWORD);
    expect((await productionManifest("prod/denied", digest)).status).toBe(404);
    // The staging credentials are not the production ones either: they reach only their own side.
    const crossed = await promote(
      { sourceRef: refs.legacy, targetRepository: `${production.endpoint}/prod/denied`, format: "legacy" },
      { ...verifierEnv(labKey), ...stagingAuth(), ...targetAuth(STAGER) },
    );
    expect(crossed.exitCode).not.toBe(0);
    expect(crossed.stderr).toMatch(/Error from destination registry .*401: Unauthorized/);
  });

  it("leaves nothing behind", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
