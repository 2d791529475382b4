import {
  attestationPolicyEnv,
  attestProvenanceStep,
  attestStep,
  LAB_BUILD_TYPE,
  LAB_BUILDER_ID,
  parseDigestRef,
  parseVerifiedStatements,
  parseSbomSummary,
  PRIVATE_KEY_FROM_ENV,
  provenancePredicateEnv,
  runStep,
  runStepOrThrow,
  scanStep,
  slsaProvenancePredicate,
  sourceTreeDigest,
  verifyAttestationPolicyStep,
  verifyImagePolicyStep,
  verifyProvenanceStep,
  type AttestationPolicyOptions,
  type BuildFacts,
  type SignatureFormat,
  type StepResult,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE_IMAGE } from "./support/lab-fixture.js";
import { labToolsOrSkip, REPO_ROOT } from "./support/lab-tools.js";
import { useSigningLab } from "./support/signing-lab.js";
import { fileSha256, sign, signerEnv, verifierEnv, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("provenance");

const STUDENTBOOK = join(REPO_ROOT, "packages", "studentbook");
const POLICY: AttestationPolicyOptions = { builderId: LAB_BUILDER_ID, deniedPackages: [] };

describe.skipIf(!tools)("SLSA provenance and the attestation policy (real cosign, syft, registry)", () => {
  const env = useSigningLab(tools);
  /** Build facts of studentbook as the lab built it, the base image pinned by its image id. */
  let facts: BuildFacts;
  let sbomFile: string;
  let sbomSha256: string;

  const attestProvenance = (ref: string, changes: Partial<BuildFacts>, format: SignatureFormat, key: TestKey = env.labKey) =>
    runStepOrThrow(
      `cosign attest provenance (${format})`,
      attestProvenanceStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format, cosign: tools!.cosign }),
      { ...signerEnv(key), ...env.auth, ...provenancePredicateEnv(slsaProvenancePredicate({ ...facts, imageDigestRef: ref, ...changes })) },
    );
  const attestSbom = (ref: string, format: SignatureFormat) =>
    runStepOrThrow(
      `cosign attest SBOM (${format})`,
      attestStep({
        ref,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: sbomFile,
        sbomFormat: "spdx-json",
        sbomSha256,
        format,
        cosign: tools!.cosign,
      }),
      { ...signerEnv(env.labKey), ...env.auth },
    );
  const checkImage = (ref: string, policy: AttestationPolicyOptions = POLICY, format: SignatureFormat = "legacy"): Promise<StepResult> =>
    runStep(verifyImagePolicyStep({ ref, sbomFormat: "spdx-json", format, cosign: tools!.cosign, node: tools!.node }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
      ...attestationPolicyEnv(policy),
    });
  const pushVariant = (marker: string) =>
    env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/studentbook:${marker}`,
      env.auth,
      marker,
    );

  beforeAll(async () => {
    // The local base was never pushed, so it has no registry digest: its image id stands in.
    const baseId = (await execa(tools!.docker, ["image", "inspect", "--format", "{{.Id}}", BASE_IMAGE])).stdout.trim();
    const now = new Date().toISOString();
    facts = {
      imageDigestRef: env.ref,
      sourceDigest: sourceTreeDigest(STUDENTBOOK),
      dockerfile: { path: "Dockerfile", sha256: fileSha256(join(STUDENTBOOK, "Dockerfile")) },
      buildArgs: { BASE_IMAGE },
      baseImage: `${BASE_IMAGE.replace(/:[^:/]+$/, "")}@${baseId}`,
      builderId: LAB_BUILDER_ID,
      buildType: LAB_BUILD_TYPE,
      startedOn: now,
      finishedOn: now,
      invocationId: env.lab.runId,
    };
    await sign(tools!, env.ref, env.labKey, env.auth);
    sbomFile = join(env.lab.tempDir("sbom"), "studentbook.spdx.json");
    const summary = parseSbomSummary(
      await runStepOrThrow(
        "syft scan",
        scanStep({ ref: env.ref, outFile: sbomFile, sbomFormat: "spdx-json", syft: tools!.syft, node: tools!.node }),
        env.auth,
      ),
    );
    sbomSha256 = summary.sha256;
    await attestSbom(env.ref, "legacy");
    await attestProvenance(env.ref, {}, "legacy");
  });

  it("attests provenance in the legacy format and stock cosign verifies it with the lab's key, and not with another", async () => {
    const verified = await runStep(verifyProvenanceStep({ ref: env.ref, format: "legacy", cosign: tools!.cosign }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
    });
    expect(verified.stderr).toContain("The signatures were verified against the specified public key");
    expect(verified.exitCode).toBe(0);
    const wrongKey = await runStep(verifyProvenanceStep({ ref: env.ref, format: "legacy", cosign: tools!.cosign }), {
      ...verifierEnv(env.otherKey),
      ...env.auth,
    });
    expect(wrongKey.exitCode).not.toBe(0);
  });

  it("the verified statement is SLSA provenance v1 of this digest with the facts the program passed", async () => {
    const stdout = await runStepOrThrow(
      "cosign verify-attestation (statements)",
      verifyProvenanceStep({ ref: env.ref, format: "legacy", printStatements: true, cosign: tools!.cosign }),
      { ...verifierEnv(env.labKey), ...env.auth },
    );
    const [statement, ...others] = parseVerifiedStatements(stdout);
    expect(others).toEqual([]);
    expect(statement!.predicateType).toBe("https://slsa.dev/provenance/v1");
    expect(`sha256:${statement!.subject[0]?.digest.sha256}`).toBe(parseDigestRef(env.ref).digest);
    expect(statement!.predicate).toEqual(slsaProvenancePredicate(facts));
  });

  it("attests and verifies provenance in the bundle format too, and another key fails there as well", async () => {
    const ref = await pushVariant("bundle");
    await attestProvenance(ref, {}, "bundle");
    const verified = await runStep(verifyProvenanceStep({ ref, format: "bundle", cosign: tools!.cosign }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
    });
    expect(verified.exitCode, verified.stderr).toBe(0);
    const wrongKey = await runStep(verifyProvenanceStep({ ref, format: "bundle", cosign: tools!.cosign }), {
      ...verifierEnv(env.otherKey),
      ...env.auth,
    });
    expect(wrongKey.exitCode).not.toBe(0);
  });

  it("passes the whole policy: signed, SBOM and provenance attested by the trusted key, trusted builder, pinned base, no denied package", async () => {
    const checked = await checkImage(env.ref, { builderId: LAB_BUILDER_ID, deniedPackages: ["express@0.0.1", "left-pad"] });
    expect(checked.stderr).not.toContain("violated");
    expect(checked.exitCode, checked.stderr).toBe(0);
  });

  it("rule builder-id: provenance from another builder fails, naming the rule", async () => {
    const stranger = await checkImage(env.ref, { builderId: "https://example.com/another-builder@v1" });
    expect(stranger.exitCode).not.toBe(0);
    expect(stranger.stderr).toMatch(
      /policy rule builder-id violated: the provenance names builder https:\/\/github.com\/signed-image-lab\/builder@v1, the policy trusts https:\/\/example.com\/another-builder@v1/,
    );
  });

  it("rule denied-packages: a package studentbook really ships (express) fails, by name and by name@version", async () => {
    const lock = JSON.parse(readFileSync(join(STUDENTBOOK, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const express = lock.packages["node_modules/express"]!.version;
    for (const entry of ["express", `express@${express}`]) {
      const denied = await checkImage(env.ref, { builderId: LAB_BUILDER_ID, deniedPackages: [entry] });
      expect(denied.exitCode).not.toBe(0);
      expect(denied.stderr).toContain(`policy rule denied-packages violated: the SBOM lists express@${express}, denied by ${entry}`);
    }
  });

  it("rule base-image-pinned: a base image named by tag only fails; the single-type step checks it alone", async () => {
    const ref = await pushVariant("tagged-base");
    await sign(tools!, ref, env.labKey, env.auth);
    await attestProvenance(ref, { baseImage: BASE_IMAGE }, "legacy");
    const provenanceOnly = () =>
      runStep(verifyAttestationPolicyStep({ ref, type: "slsaprovenance1", format: "legacy", cosign: tools!.cosign }), {
        ...verifierEnv(env.labKey),
        ...env.auth,
        ...attestationPolicyEnv(POLICY),
      });
    const tagged = await provenanceOnly();
    expect(tagged.exitCode).not.toBe(0);
    expect(tagged.stderr).toContain(`policy rule base-image-pinned violated: base image oci://${BASE_IMAGE} is not pinned by digest`);
    expect(tagged.stderr).not.toContain("builder-id violated");
  });

  it("rule signed-and-attested: an image with no provenance attestation fails, and so does one with no signature", async () => {
    const ref = await pushVariant("no-provenance");
    await sign(tools!, ref, env.labKey, env.auth);
    await attestSbom(ref, "legacy");
    const noProvenance = await checkImage(ref);
    expect(noProvenance.exitCode).not.toBe(0);
    expect(noProvenance.stderr).toContain(
      `policy rule signed-and-attested violated: no slsaprovenance1 attestation of ${ref} verified with the trusted key`,
    );

    // Attested but never signed: an attestation is not a signature of the image.
    const unsigned = await pushVariant("unsigned");
    await attestSbom(unsigned, "legacy");
    await attestProvenance(unsigned, {}, "legacy");
    const notSigned = await checkImage(unsigned);
    expect(notSigned.exitCode).not.toBe(0);
    expect(notSigned.stderr).toContain(
      `policy rule signed-and-attested violated: no signature of ${unsigned} verified with the trusted key`,
    );
  });

  it("rule signed-and-attested: provenance signed by another key does not count", async () => {
    const ref = await pushVariant("other-key");
    await sign(tools!, ref, env.labKey, env.auth);
    await attestSbom(ref, "legacy");
    await attestProvenance(ref, {}, "legacy", env.otherKey);
    const checked = await checkImage(ref);
    expect(checked.exitCode).not.toBe(0);
    expect(checked.stderr).toContain("policy rule signed-and-attested violated: no slsaprovenance1 attestation");
  });

  it("passes the policy with signature and attestations in the bundle format", async () => {
    const ref = await pushVariant("bundle-policy");
    await sign(tools!, ref, env.labKey, env.auth, "bundle");
    await attestSbom(ref, "bundle");
    await attestProvenance(ref, {}, "bundle");
    const checked = await checkImage(ref, POLICY, "bundle");
    expect(checked.exitCode, checked.stderr).toBe(0);
    const denied = await checkImage(ref, { builderId: LAB_BUILDER_ID, deniedPackages: ["express"] }, "bundle");
    expect(denied.stderr).toContain("policy rule denied-packages violated");
    expect(denied.exitCode).not.toBe(0);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
