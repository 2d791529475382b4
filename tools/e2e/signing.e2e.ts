import {
  attestStep,
  parseDigestRef,
  PRIVATE_KEY_FROM_ENV,
  triangulateStep,
  legacyArtifactRef,
  runStepOrThrow,
} from "@signed-image-lab/tooling";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { generateKey, sign, signerEnv, verify, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("signing");
const alice = { username: "alice", password: "reg-pw" };

describe.skipIf(!tools)("cosign signing (real cosign, offline, key pair)", () => {
  let lab: LabFixture;
  let registry: TestRegistry;
  let auth: Record<string, string>;
  let labKey: TestKey;
  let otherKey: TestKey;
  let ref: string;

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    registry = await lab.startRegistry([alice]);
    auth = registry.credentials(alice);
    [labKey, otherKey] = await Promise.all([generateKey(tools!, "lab-key-pw"), generateKey(tools!, "other-pw")]);
    ref = await lab.pushStudentbook(registry, "studentbook", auth);
  });
  afterAll(() => lab?.cleanup());

  it("generates a key pair non-interactively: an encrypted private key and a public key", () => {
    expect(labKey.privateKeyPem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    expect(labKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(labKey.publicKeyPem).not.toBe(otherKey.publicKeyPem);
  });

  it("signs by digest offline and verifies with the public key", async () => {
    await sign(tools!, ref, labKey, auth);
    const verified = await verify(tools!, ref, labKey, auth);
    expect(verified.stderr).not.toMatch(/error/i);
    expect(verified.exitCode).toBe(0);
    const claims = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string } } }[];
    expect(claims[0]?.critical.image["docker-manifest-digest"]).toBe(parseDigestRef(ref).digest);
  });

  it("stores the signature under the legacy tag that triangulate names", async () => {
    const signatureRef = await runStepOrThrow("cosign triangulate", triangulateStep({ ref, cosign: tools!.cosign }), auth);
    expect(signatureRef.trim()).toBe(legacyArtifactRef(parseDigestRef(ref), "sig"));
  });

  it("fails verification with another key", async () => {
    const verified = await verify(tools!, ref, otherKey, auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(/no matching signatures|invalid signature/i);
  });

  it("fails verification for another digest in the same repository (a retagged, changed image)", async () => {
    const changed = await lab.pushChangedImage(`${registry.endpoint}/studentbook:1.0`, `${registry.endpoint}/studentbook:1.0`, auth);
    expect(parseDigestRef(changed).digest).not.toBe(parseDigestRef(ref).digest);
    const verified = await verify(tools!, changed, labKey, auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(/no signatures found|no matching signatures/i);
  });

  it("does not pass an image that carries only an SBOM attestation as signed", async () => {
    const attestedOnly = await lab.pushChangedImage(`${registry.endpoint}/studentbook:1.0`, `${registry.endpoint}/attested-only:1.0`, auth);
    const predicate = join(lab.tempDir("predicate"), "sbom.spdx.json");
    writeFileSync(predicate, JSON.stringify({ spdxVersion: "SPDX-2.3", packages: [] }));
    for (const format of ["legacy", "bundle"] as const) {
      await runStepOrThrow(
        `cosign attest (${format})`,
        attestStep({ ref: attestedOnly, keyRef: PRIVATE_KEY_FROM_ENV, predicateFile: predicate, sbomFormat: "spdx-json", format, cosign: tools!.cosign }),
        { ...signerEnv(labKey), ...auth },
      );
      const verified = await verify(tools!, attestedOnly, labKey, auth, format);
      expect(verified.exitCode, `${format}: ${verified.stderr}`).not.toBe(0);
      // cosign v3 itself accepts the bundle-format attestation as a signature; the lab's claim check refuses it.
      expect(verified.stderr).toMatch(format === "bundle" ? /an attestation alone does not make a signed image/ : /no signatures found|no matching signatures/i);
    }
  });

  it("leaves nothing behind", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
