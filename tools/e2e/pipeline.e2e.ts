import {
  legacyArtifactRef,
  NO_REPAIRS,
  parseDigestRef,
  pipelineOptions,
  pipelineSteps,
  PipelineStepError,
  PRIVATE_KEY_FROM_ENV,
  publicKeyFingerprint,
  runPipeline,
  runStep,
  verifyAttestationStep,
  verifyStep,
  LAB_BUILDER_ID,
  readBuildSources,
  type PipelineMemory,
  type PipelineRun,
  type SignatureFormat,
} from "@signed-image-lab/tooling";
import { execa } from "execa";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE } from "./support/lab-fixture.js";
import { labToolsOrSkip, REPO_ROOT } from "./support/lab-tools.js";
import { useSigningLab } from "./support/signing-lab.js";

/** The production registry's only user. */
const BOB = { username: "bob", password: "prod-pw" };
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
      ociArchive: { file: join(sbomDir, "studentbook.oci.tar") },
      tools: { cosign: tools!.cosign, syft: tools!.syft, node: tools!.node, skopeo: tools!.skopeo, docker: tools!.docker },
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
    expect([...first.ran].sort()).toEqual(
      pipelineSteps(run.options)
        .map((s) => s.name)
        .sort(),
    );
    const { results } = first;
    expect(results.inspect?.digest).toBe(parseDigestRef(env.ref).digest);
    expect(results.verify).toBe(env.ref);
    expect(results.triangulate).toBe(legacyArtifactRef(parseDigestRef(env.ref), "sig"));
    expect(results.attach).toBe(legacyArtifactRef(parseDigestRef(env.ref), "sbom"));
    expect(results.scan?.packages).toBeGreaterThan(50);
    expect(results["verify-attestation"]).toBe(env.ref);

    // The seed's step 1.4: the verified digest as an OCI archive that skopeo reads back.
    const archive = results.archive!;
    expect(archive.file).toBe(run.options.ociArchive?.file);
    expect(archive.sha256).toBe(createHash("sha256").update(readFileSync(archive.file)).digest("hex"));
    const inspected = JSON.parse((await execa(tools!.skopeo, ["inspect", `oci-archive:${archive.file}`])).stdout) as { Layers: string[] };
    expect(inspected.Layers).toHaveLength(results.inspect?.layers.length ?? -1);
    expect(existsSync(`${archive.file}.partial`)).toBe(false);

    expect((await runPipeline({ ...run, memory })).ran).toEqual([]);
    const repaired = await runPipeline({ ...run, values: { ...run.values, repairs: { ...NO_REPAIRS, attestation: 1 } }, memory });
    expect([...repaired.ran].sort()).toEqual(["attest", "verify-attestation"]);
    rmSync(archive.file);
    const rearchived = await runPipeline({
      ...run,
      values: { ...run.values, repairs: { ...NO_REPAIRS, attestation: 1, ociArchive: 1 } },
      memory,
    });
    expect(rearchived.ran).toEqual(["archive"]);
    expect(existsSync(archive.file)).toBe(true);
  });

  it("runs the bundle graph (no triangulate) and stock cosign verifies its attestation", async () => {
    const bundled = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/pipeline-bundle:1.0`,
      env.auth,
    );
    const run = graph(bundled, "bundle", env.lab.tempDir("bundle"));
    const outcome = await runPipeline(run);
    expect(outcome.ran).not.toContain("triangulate");
    expect([...outcome.ran].sort()).toEqual(["archive", "attach", "attest", "inspect", "scan", "sign", "verify", "verify-attestation"]);
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
    const failure = await runPipeline({
      ...run,
      values: { ...run.values, repairs: { ...NO_REPAIRS, attestation: 2, attachment: 2 } },
      memory,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PipelineStepError);
    expect((failure as PipelineStepError).step).toMatch(/^studentbook-(attest|attach)$/);
    expect(memory.get("verify-attestation")).toBe(verifiedBefore);
  });

  it("runs provenance, the attestation policy and promotion as the last steps; the policy names the rule an image breaks", async () => {
    const production = await env.lab.startRegistry([BOB]);
    const build = {
      ...readBuildSources(join(REPO_ROOT, "packages", "studentbook"), "Dockerfile"),
      buildArgs: { BASE_IMAGE },
      baseImage: BASE_IMAGE,
      startedOn: "2026-11-26T00:00:00Z",
    };
    const run = graph(env.ref, "bundle", env.lab.tempDir("admitted"));
    const gated = (deniedPackages: string[]): PipelineRun => ({
      ...run,
      options: {
        ...run.options,
        provenance: { builderId: LAB_BUILDER_ID },
        policy: { builderId: LAB_BUILDER_ID, deniedPackages },
        promotion: { oras: tools!.oras },
      },
      values: { ...run.values, build, promotionRepository: `${production.endpoint}/studentbook` },
      environments: {
        ...run.environments,
        target: { LAB_TARGET_REGISTRY_USERNAME: BOB.username, LAB_TARGET_REGISTRY_PASSWORD: BOB.password },
        targetRegistry: production.credentials(BOB),
      },
    });
    const promotedRef = `${production.endpoint}/studentbook@${parseDigestRef(env.ref).digest}`;
    const verifyInProduction = () =>
      runStep(verifyStep({ ref: promotedRef, format: "bundle", cosign: tools!.cosign }), {
        ...verifierEnv(env.labKey),
        ...production.credentials(BOB),
      });

    const denied = await runPipeline(gated(["express"])).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PipelineStepError);
    expect((denied as PipelineStepError).step).toBe("studentbook-policy");
    expect((denied as PipelineStepError).result.stderr).toContain("policy rule denied-packages violated");
    // What the policy refused never reaches production.
    expect((await verifyInProduction()).exitCode).not.toBe(0);

    const admitted = await runPipeline(gated([]));
    expect(admitted.ran).toEqual(
      expect.arrayContaining(["base", "attest-provenance", "verify-provenance", "policy", "promote", "verify-promoted"]),
    );
    // The local base image was never pulled: it is pinned by its image ID.
    expect(admitted.results.base).toMatch(new RegExp(`^${BASE_IMAGE}@sha256:[a-f0-9]{64}$`));
    expect(admitted.results.policy).toBe(env.ref);
    expect(admitted.results["verify-promoted"]).toBe(promotedRef);
    const stock = await verifyInProduction();
    expect(stock.exitCode, stock.stderr).toBe(0);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
