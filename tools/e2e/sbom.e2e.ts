import {
  downloadSbomStep,
  NO_REPAIRS,
  pipelineOptions,
  pipelineStep,
  PRIVATE_KEY_FROM_ENV,
  publicKeyFingerprint,
  runPipeline,
  runStep,
  runStepOrThrow,
  type PipelineResults,
  type SbomFormat,
  type StepInputs,
  type StepName,
} from "@signed-image-lab/tooling";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useSigningLab } from "./support/signing-lab.js";
import { labToolsOrSkip, REPO_ROOT } from "./support/lab-tools.js";
import { sign, signerEnv, verifierEnv, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("sbom");

interface SpdxPackage {
  name: string;
  versionInfo?: string;
  externalRefs?: { referenceLocator: string }[];
}

describe.skipIf(!tools)("SBOM with syft, attached and attested with cosign (real tools)", () => {
  const env = useSigningLab(tools);
  let sbomFile: string;
  let summary: { sha256: string; packages: number };
  const options = (format: SbomFormat = "spdx-json") =>
    pipelineOptions({ sbom: { format, file: sbomFile }, tools: { cosign: tools!.cosign, syft: tools!.syft, node: tools!.node } });
  /** The pipeline's own SBOM steps, by the local runner, with what ran before handed in. */
  const sbomSteps = (steps: StepName[], results: Partial<PipelineResults> = {}) =>
    runPipeline({
      name: "studentbook",
      options: options(),
      values: {
        ref: env.ref,
        keyRef: PRIVATE_KEY_FROM_ENV,
        keyFingerprint: publicKeyFingerprint(env.labKey.publicKeyPem),
        repairs: NO_REPAIRS,
      },
      environments: { signer: signerEnv(env.labKey), verifier: verifierEnv(env.labKey), registry: env.auth },
      steps,
      results: { sign: env.ref, ...results },
    });
  /** The pipeline's verify-attestation step against `key`, for SBOMs of `format`; the verdict is the exit code. */
  const verifyAttestation = (key: TestKey, format: SbomFormat = "spdx-json") =>
    runStep(pipelineStep("verify-attestation").script({ ref: env.ref, attest: env.ref } as StepInputs, options(format)), {
      ...verifierEnv(key),
      ...env.auth,
    });

  beforeAll(async () => {
    await sign(tools!, env.ref, env.labKey, env.auth);
    sbomFile = join(env.lab.tempDir("sbom"), "studentbook.spdx.json");
    summary = (await sbomSteps(["scan"])).results.scan!;
  });

  it("scans all layers straight from the registry with credentials from the environment", () => {
    const doc = JSON.parse(readFileSync(sbomFile, "utf8")) as { spdxVersion: string; packages: SpdxPackage[] };
    expect(doc.spdxVersion).toMatch(/^SPDX-2\./);
    expect(summary.packages).toBe(doc.packages.length);
    expect(summary.packages).toBeGreaterThan(50);
  });

  it("lists the app's framework at its lockfile version and the Debian packages of the base", () => {
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "packages/studentbook/package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const expressVersion = lock.packages["node_modules/express"]?.version;
    const packages = (JSON.parse(readFileSync(sbomFile, "utf8")) as { packages: SpdxPackage[] }).packages;
    const express = packages.find((p) => p.name === "express");
    expect(express?.versionInfo).toBe(expressVersion);
    const debs = packages.filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith("pkg:deb/debian/")));
    expect(debs.map((p) => p.name)).toEqual(expect.arrayContaining(["libc6", "nodejs"]));
  });

  it("attests the SBOM and verify-attestation passes with the right key", async () => {
    const outcome = await sbomSteps(["attest", "verify-attestation"], { scan: summary });
    expect(outcome.ran).toEqual(["attest", "verify-attestation"]);
    const verified = await verifyAttestation(env.labKey);
    expect(verified.stderr).toContain("The signatures were verified against the specified public key");
    expect(verified.exitCode).toBe(0);
  });

  it("fails verify-attestation with another key, and for a predicate type that was never attested", async () => {
    expect((await verifyAttestation(env.otherKey)).exitCode).not.toBe(0);
    expect((await verifyAttestation(env.labKey, "cyclonedx-json")).exitCode).not.toBe(0);
  });

  it("attaches the SBOM as the seed does and downloads the same document back", async () => {
    expect((await sbomSteps(["attach"], { scan: summary })).ran).toEqual(["attach"]);
    const downloaded = await runStepOrThrow("cosign download sbom", downloadSbomStep({ ref: env.ref, cosign: tools!.cosign }), env.auth);
    expect(JSON.parse(downloaded)).toEqual(JSON.parse(readFileSync(sbomFile, "utf8")));
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
