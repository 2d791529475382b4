import {
  legacyArtifactRef,
  NO_REPAIRS,
  parseDigestRef,
  PIPELINE_STEPS,
  pipelineOptions,
  PipelineStepError,
  PRIVATE_KEY_FROM_ENV,
  publicKeyFingerprint,
  runPipeline,
  runStep,
  verifyAttestationStep,
  type PipelineMemory,
  type PipelineRun,
  type SignatureFormat,
} from "@signed-image-lab/tooling";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { useSigningLab } from "./support/signing-lab.js";
import { signerEnv, verifierEnv, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("pipeline");

describe.skipIf(!tools)("the pipeline graph the components run, run for real by the local runner", () => {
  const env = useSigningLab(tools);

  /** A run of the whole graph for `ref`, signed with the lab key and verified with `verifyKey`. */
  const graph = (ref: string, format: SignatureFormat, sbomDir: string, verifyKey: TestKey = env.labKey): PipelineRun => ({
    name: "studentbook",
    options: pipelineOptions({
      signatureFormat: format,
      sbom: { file: join(sbomDir, "studentbook.spdx.json") },
      tools: { cosign: tools!.cosign, syft: tools!.syft, node: tools!.node, skopeo: tools!.skopeo },
    }),
    values: {
      ref,
      keyRef: PRIVATE_KEY_FROM_ENV,
      keyFingerprint: publicKeyFingerprint(env.labKey.publicKeyPem),
      verifyKeyFingerprint: publicKeyFingerprint(verifyKey.publicKeyPem),
      trustTriggers: [],
      repairs: NO_REPAIRS,
    },
    environments: { signer: signerEnv(env.labKey), verifier: verifierEnv(verifyKey), registry: env.auth },
  });

  it("runs every step of the legacy graph, then nothing when no trigger changed, then only what a repair re-makes", async () => {
    const memory: PipelineMemory = new Map();
    const run = graph(env.ref, "legacy", env.lab.tempDir("legacy"));
    const first = await runPipeline({ ...run, memory });
    expect([...first.ran].sort()).toEqual(PIPELINE_STEPS.map((s) => s.name).sort());
    const { results } = first;
    expect(results.inspect?.digest).toBe(parseDigestRef(env.ref).digest);
    expect(results.verify).toBe(env.ref);
    expect(results.triangulate).toBe(legacyArtifactRef(parseDigestRef(env.ref), "sig"));
    expect(results.attach).toBe(legacyArtifactRef(parseDigestRef(env.ref), "sbom"));
    expect(results.scan?.packages).toBeGreaterThan(50);
    expect(results["verify-attestation"]).toBe(env.ref);

    expect((await runPipeline({ ...run, memory })).ran).toEqual([]);
    const repaired = await runPipeline({ ...run, values: { ...run.values, repairs: { ...NO_REPAIRS, attestation: 1 } }, memory });
    expect([...repaired.ran].sort()).toEqual(["attest", "verify-attestation"]);
  });

  it("runs the bundle graph (no triangulate) and stock cosign verifies its attestation", async () => {
    const bundled = await env.lab.pushChangedImage(`${env.registry.endpoint}/studentbook:1.0`, `${env.registry.endpoint}/pipeline-bundle:1.0`, env.auth);
    const outcome = await runPipeline(graph(bundled, "bundle", env.lab.tempDir("bundle")));
    expect(outcome.ran).not.toContain("triangulate");
    expect(outcome.ran).toHaveLength(PIPELINE_STEPS.length - 1);
    const stock = await runStep(verifyAttestationStep({ ref: bundled, sbomFormat: "spdx-json", format: "bundle", cosign: tools!.cosign }), {
      ...verifierEnv(env.labKey),
      ...env.auth,
    });
    expect(stock.exitCode, stock.stderr).toBe(0);
  });

  it("fails closed: verifying with another key stops at the verify step, named as its Command resource is", async () => {
    const failure = await runPipeline(graph(env.ref, "legacy", env.lab.tempDir("wrong-key"), env.otherKey)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PipelineStepError);
    expect(["studentbook-verify", "studentbook-verify-attestation"]).toContain((failure as PipelineStepError).step);
    expect((failure as PipelineStepError).result.stderr).toMatch(/no matching signatures|no matching attestations|invalid signature/i);
  });

  it("refuses to attest an SBOM file changed after the scan: the attest step names it, verify-attestation never runs", async () => {
    const memory: PipelineMemory = new Map();
    const dir = env.lab.tempDir("changed-sbom");
    const run = graph(env.ref, "legacy", dir);
    await runPipeline({ ...run, memory });
    const verifiedBefore = memory.get("verify-attestation");
    appendFileSync(join(dir, "studentbook.spdx.json"), "\n");
    const failure = await runPipeline({ ...run, values: { ...run.values, repairs: { ...NO_REPAIRS, attestation: 2, attachment: 2 } }, memory }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PipelineStepError);
    expect((failure as PipelineStepError).step).toMatch(/^studentbook-(attest|attach)$/);
    expect(memory.get("verify-attestation")).toBe(verifiedBefore);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
