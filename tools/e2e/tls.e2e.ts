import {
  certificateAuthorityStep,
  inspectStep,
  parseDigestRef,
  parseKeyAndCertificate,
  parseSbomSummary,
  policyCheckStep,
  pullImageStep,
  PRIVATE_KEY_FROM_ENV,
  runStep,
  runStepOrThrow,
  scanStep,
  serverCertificateStep,
  signStep,
  sigstoreAttachmentsConfig,
  sigstorePolicy,
  TLS_CA_CERT_ENV,
  TLS_CA_KEY_ENV,
  verifyStep,
  waitForRegistryStep,
  type KeyAndCertificate,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { generateKey, signerEnv, verifierEnv, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("tls");
const ALICE = { username: "alice", password: "tls-registry-pw" };
/** Where the docker daemon would look for a registry's CA: `<root>/<host:port>/ca.crt`. */
const DOCKER_CERTS_ROOT = "/etc/docker/certs.d";
/** What a Go client (cosign, syft, skopeo, lab-policy-check, dockerd) says about a certificate from an unknown CA. */
const UNKNOWN_AUTHORITY = /x509: certificate signed by unknown authority/;

async function makeCa(): Promise<KeyAndCertificate> {
  return parseKeyAndCertificate(await runStepOrThrow("openssl CA", certificateAuthorityStep({ days: 1 })));
}

describe.skipIf(!tools)("registry over TLS: every client trusts the lab CA, none falls back to plain HTTP or skips verification", () => {
  let lab: LabFixture;
  let registry: TestRegistry;
  let auth: Record<string, string>;
  let key: TestKey;
  /** The lab CA file. */
  let caFile: string;
  /** A CA with the same name but another key: what a client must not accept either. */
  let impostorCaFile: string;
  let impostorCaDir: string;
  /** studentbook as pushed by docker, pinned by digest. */
  let ref: string;

  /** How many TLS handshakes the registry saw a client abort over its certificate. */
  async function refusedHandshakes(): Promise<number> {
    const { stderr } = await execa(tools!.docker, ["logs", registry.container]);
    return stderr.split("\n").filter((line) => /TLS handshake error from .*: remote error: tls: bad certificate/.test(line)).length;
  }

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    const [ca, impostor] = await Promise.all([makeCa(), makeCa()]);
    const server = parseKeyAndCertificate(
      await runStepOrThrow("openssl server certificate", serverCertificateStep({ days: 1 }), {
        [TLS_CA_KEY_ENV]: ca.privateKeyPem,
        [TLS_CA_CERT_ENV]: ca.certificatePem,
      }),
    );
    caFile = join(lab.tempDir("ca"), "ca.crt");
    writeFileSync(caFile, ca.certificatePem);
    impostorCaDir = lab.tempDir("impostor-ca");
    impostorCaFile = join(impostorCaDir, "ca.crt");
    writeFileSync(impostorCaFile, impostor.certificatePem);
    registry = await lab.startRegistry([ALICE], {
      certificatePem: server.certificatePem,
      privateKeyPem: server.privateKeyPem,
      caFile,
    });
    auth = registry.credentials(ALICE);
    key = await generateKey(tools!, "tls-key-pw");
  });
  afterAll(() => lab?.cleanup());

  it("serves https only: plain HTTP is refused, curl trusts it with --cacert only, on localhost and 127.0.0.1", async () => {
    const plain = await fetch(`http://${registry.endpoint}/v2/`);
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain("Client sent an HTTP request to an HTTPS server");

    for (const cacert of [[], ["--cacert", impostorCaFile]]) {
      const untrusted = await execa(tools!.curl, ["--silent", "--show-error", ...cacert, `https://${registry.endpoint}/v2/`], {
        reject: false,
      });
      expect(untrusted.exitCode, untrusted.stderr).toBe(60);
      expect(untrusted.stderr).toMatch(/SSL certificate problem/);
    }
    for (const endpoint of [registry.endpoint, `127.0.0.1:${registry.port}`]) {
      const trusted = await runStepOrThrow(
        "curl with the CA",
        waitForRegistryStep({ endpoint, authEnabled: true, scheme: "https", caFile, timeoutSeconds: 5 }),
      );
      expect(trusted.trim()).toBe("401");
    }
  });

  it("docker pushes over TLS to the loopback registry without verifying it: the daemon treats 127.0.0.0/8 as insecure", async () => {
    // So the daemon's own trust in the CA (certs.d) cannot be shown on loopback, and this
    // workplace sends no traffic to other addresses; every other client below is checked.
    const { stdout } = await execa(tools!.docker, ["info", "--format", "{{json .RegistryConfig.InsecureRegistryCIDRs}}"]);
    expect(JSON.parse(stdout)).toContain("127.0.0.0/8");
    expect(existsSync(join(DOCKER_CERTS_ROOT, registry.endpoint))).toBe(false);
    ref = await lab.pushStudentbook(registry, "studentbook", auth);
    expect(ref).toMatch(new RegExp(`^${registry.endpoint}/studentbook@sha256:[a-f0-9]{64}$`));
    const pull = await runStep(pullImageStep({ ref, registryHost: registry.endpoint, docker: tools!.docker }), auth);
    expect(pull.exitCode, pull.stderr).toBe(0);
  });

  it("skopeo inspect --tls-verify=true with the CA alone in a private --cert-dir reports the pushed digest; with another CA beside it, x509 fails", async () => {
    const report = JSON.parse(
      await runStepOrThrow("skopeo inspect", inspectStep({ ref, registryCaFile: caFile, skopeo: tools!.skopeo }), auth),
    ) as { Digest: string };
    expect(report.Digest).toBe(parseDigestRef(ref).digest);
    // The impostor's folder also holds the real CA as a *.crt: only the named file is trusted.
    copyFileSync(caFile, join(impostorCaDir, "real-ca.crt"));
    const untrusted = await runStep(inspectStep({ ref, registryCaFile: impostorCaFile, skopeo: tools!.skopeo }), auth);
    rmSync(join(impostorCaDir, "real-ca.crt"));
    expect(untrusted.exitCode).not.toBe(0);
    expect(untrusted.stderr).toMatch(UNKNOWN_AUTHORITY);
  });

  it("cosign signs and verifies with --registry-cacert; without it, x509 fails and the plain-HTTP retry is refused", async () => {
    const untrustedSign = await runStep(signStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", cosign: tools!.cosign }), {
      ...signerEnv(key),
      ...auth,
    });
    expect(untrustedSign.exitCode).not.toBe(0);
    expect(untrustedSign.stderr).toMatch(UNKNOWN_AUTHORITY);
    expect(untrustedSign.stderr).toContain("Client sent an HTTP request to an HTTPS server");

    await runStepOrThrow(
      "cosign sign over TLS",
      signStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", registryCaFile: caFile, cosign: tools!.cosign }),
      { ...signerEnv(key), ...auth },
    );
    const verified = await runStep(verifyStep({ ref, format: "legacy", registryCaFile: caFile, cosign: tools!.cosign }), {
      ...verifierEnv(key),
      ...auth,
    });
    expect(verified.exitCode, verified.stderr).toBe(0);
    const claims = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string } } }[];
    expect(claims[0]?.critical.image["docker-manifest-digest"]).toBe(parseDigestRef(ref).digest);

    // `cosign verify` reports only its plain-HTTP retry (go-containerregistry allows one for
    // localhost); the registry's log shows that the https attempt before it refused the certificate.
    for (const registryCaFile of [undefined, impostorCaFile]) {
      const refusedBefore = await refusedHandshakes();
      // cosign's own transport (the step's manifest check left out, so that cosign is what runs).
      const untrusted = await runStep(verifyStep({ ref, format: "legacy", registryCaFile, cosign: tools!.cosign, manifestCheck: false }), {
        ...verifierEnv(key),
        ...auth,
      });
      expect(untrusted.exitCode).not.toBe(0);
      expect(untrusted.stderr).toContain("Client sent an HTTP request to an HTTPS server");
      expect(await refusedHandshakes()).toBeGreaterThan(refusedBefore);
      // The lab's verify step stops before cosign, at its manifest check, over the same transport rule.
      const checked = await runStep(verifyStep({ ref, format: "legacy", registryCaFile, cosign: tools!.cosign }), {
        ...verifierEnv(key),
        ...auth,
      });
      expect(checked.exitCode).not.toBe(0);
      expect(checked.stderr).toMatch(
        registryCaFile
          ? /could not ask the registry about \S+: .*certificate/i
          : /could not (ask the registry about|confirm that the registry serves the manifest of) \S+/,
      );
    }
  });

  it("syft scans over TLS with SYFT_REGISTRY_CA_CERT; without the CA the scan fails and writes no SBOM", async () => {
    const outDir = lab.tempDir("sbom");
    const summary = parseSbomSummary(
      await runStepOrThrow(
        "syft scan over TLS",
        scanStep({
          ref,
          outFile: join(outDir, "sbom.spdx.json"),
          sbomFormat: "spdx-json",
          registryCaFile: caFile,
          syft: tools!.syft,
          node: tools!.node,
        }),
        auth,
      ),
    );
    expect(summary.packages).toBeGreaterThan(10);
    {
      const outFile = join(outDir, "untrusted-impostor.json");
      const refusedBefore = await refusedHandshakes();
      const untrusted = await runStep(
        scanStep({ ref, outFile, sbomFormat: "spdx-json", registryCaFile: impostorCaFile, syft: tools!.syft, node: tools!.node }),
        auth,
      );
      // The registry's log shows syft refused the certificate (not a plain-HTTP retry only).
      expect(untrusted.exitCode).not.toBe(0);
      expect(untrusted.stdout).toBe("");
      expect(await refusedHandshakes()).toBeGreaterThan(refusedBefore);
    }
  });

  it("lab-policy-check --tls-verify=true --cert-dir accepts the signed image; without the CA, x509 fails", async () => {
    const policyDir = lab.tempDir("policy");
    mkdirSync(join(policyDir, "registries.d"));
    writeFileSync(join(policyDir, "registries.d", "lab.yaml"), sigstoreAttachmentsConfig(registry.endpoint));
    writeFileSync(join(policyDir, "cosign.pub"), key.publicKeyPem);
    const policyFile = join(policyDir, "policy.json");
    writeFileSync(policyFile, JSON.stringify(sigstorePolicy(parseDigestRef(ref).repository, join(policyDir, "cosign.pub"))));
    const check = (registryCaFile: string) =>
      runStep(
        policyCheckStep({
          ref,
          policyFile,
          registriesDir: join(policyDir, "registries.d"),
          registryCaFile,
          policyCheck: tools!.policyCheck,
        }),
        auth,
      );
    const accepted = await check(caFile);
    expect(accepted.stderr).toBe("");
    expect(accepted.stdout.trim()).toBe("accepted");
    expect(accepted.exitCode).toBe(0);
    const untrusted = await check(impostorCaFile);
    expect(untrusted.exitCode).not.toBe(0);
    expect(untrusted.stdout).not.toContain("accepted");
    expect(untrusted.stderr).toMatch(UNKNOWN_AUTHORITY);
  });

  it("leaves nothing behind: containers, volumes, images and temporary directories", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
