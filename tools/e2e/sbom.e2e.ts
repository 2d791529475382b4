import {
  attachSbomStep,
  attestStep,
  downloadSbomStep,
  parseSbomSummary,
  PRIVATE_KEY_FROM_ENV,
  scanStep,
  verifyAttestationStep,
  runStep,
  runStepOrThrow,
} from "@signed-image-lab/tooling";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useSigningLab } from "./support/signing-lab.js";
import { labToolsOrSkip, REPO_ROOT } from "./support/lab-tools.js";
import { sign, signerEnv, verifierEnv, fileSha256 } from "./support/signing.js";

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

  beforeAll(async () => {
    await sign(tools!, env.ref, env.labKey, env.auth);
    sbomFile = join(env.lab.tempDir("sbom"), "studentbook.spdx.json");
    const stdout = await runStepOrThrow(
      "syft scan",
      scanStep({ ref: env.ref, outFile: sbomFile, format: "spdx-json", syft: tools!.syft, node: tools!.node }),
      env.auth,
    );
    summary = parseSbomSummary(stdout);
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
    await runStepOrThrow(
      "cosign attest",
      attestStep({ ref: env.ref, keyRef: PRIVATE_KEY_FROM_ENV, predicateFile: sbomFile, sbomFormat: "spdx-json", sbomSha256: fileSha256(sbomFile), format: "legacy", cosign: tools!.cosign }),
      { ...signerEnv(env.labKey), ...env.auth },
    );
    const verified = await runStep(verifyAttestationStep({ ref: env.ref, sbomFormat: "spdx-json", format: "legacy", cosign: tools!.cosign }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
    });
    expect(verified.stderr).toContain("The signatures were verified against the specified public key");
    expect(verified.exitCode).toBe(0);
  });

  it("fails verify-attestation with another key, and for a predicate type that was never attested", async () => {
    const wrongKey = await runStep(verifyAttestationStep({ ref: env.ref, sbomFormat: "spdx-json", format: "legacy", cosign: tools!.cosign }), {
      ...verifierEnv(env.otherKey),
      ...env.auth,
    });
    expect(wrongKey.exitCode).not.toBe(0);
    const wrongType = await runStep(verifyAttestationStep({ ref: env.ref, sbomFormat: "cyclonedx-json", format: "legacy", cosign: tools!.cosign }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
    });
    expect(wrongType.exitCode).not.toBe(0);
  });

  it("attaches the SBOM as the seed does and downloads the same document back", async () => {
    await runStepOrThrow("cosign attach sbom", attachSbomStep({ ref: env.ref, sbomFile, sbomFormat: "spdx-json", sbomSha256: fileSha256(sbomFile), cosign: tools!.cosign }), env.auth);
    const downloaded = await runStepOrThrow("cosign download sbom", downloadSbomStep({ ref: env.ref, cosign: tools!.cosign }), env.auth);
    expect(JSON.parse(downloaded)).toEqual(JSON.parse(readFileSync(sbomFile, "utf8")));
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
