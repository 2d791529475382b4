import {
  checkDeployedImage,
  inspectTagStep,
  parseDigestRef,
  pipelineOptions,
  pipelineStep,
  probeArtifacts,
  probeManifest,
  probeTag,
  NO_REPAIRS,
  PRIVATE_KEY_FROM_ENV,
  PUBLIC_KEY_FROM_ENV,
  restoreTagStep,
  runPipeline,
  runStep,
  type StepInputs,
  type StepScript,
} from "@signed-image-lab/tooling";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { ALICE, useSigningLab } from "./support/signing-lab.js";
import { fileSha256, sign, signerEnv, verifierEnv } from "./support/signing.js";

const tools = labToolsOrSkip("registry-truth");

/** Deletes the manifest of `ref` by digest, as a registry that lost its data no longer serves it. */
async function deleteManifest(ref: string): Promise<void> {
  const { repository, digest } = parseDigestRef(ref);
  const [host, ...path] = repository.split("/");
  const authorization = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString("base64")}`;
  const answer = await fetch(`http://${host}/v2/${path.join("/")}/manifests/${digest}`, {
    method: "DELETE",
    headers: { authorization },
    signal: AbortSignal.timeout(5000),
  });
  expect(answer.status).toBe(202);
}

/** Stock cosign, as a user would run it: `cosign verify --key … --insecure-ignore-tlog IMG@sha256:…`. */
function stockVerify(ref: string, attestation = false): StepScript {
  const { repository } = parseDigestRef(ref);
  const argv = attestation
    ? [tools!.cosign, "verify-attestation", "--key", PUBLIC_KEY_FROM_ENV, "--insecure-ignore-tlog", "--type", "spdxjson", ref]
    : [tools!.cosign, "verify", "--key", PUBLIC_KEY_FROM_ENV, "--insecure-ignore-tlog", ref];
  return { registryHost: repository.split("/")[0], invocations: [{ argv, stdoutTo: "/dev/null" }] };
}

describe.skipIf(!tools)("the registry is the truth (real registry, cosign, node)", () => {
  const env = useSigningLab(tools);
  const options = () => pipelineOptions({ tools: { cosign: tools!.cosign, node: tools!.node, skopeo: tools!.skopeo } });

  it("stock cosign verifies the signature and attestation of a manifest the registry lost; every lab verify step and lab:status refuse it, naming the digest", async () => {
    const ref = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/lost:1.0`,
      env.auth,
      "lost",
    );
    await sign(tools!, ref, env.labKey, env.auth);
    const sbom = join(env.lab.tempDir("lost-sbom"), "sbom.spdx.json");
    writeFileSync(sbom, JSON.stringify({ spdxVersion: "SPDX-2.3", SPDXID: "SPDXRef-DOCUMENT", name: "lost", packages: [] }));
    const sha256 = fileSha256(sbom);
    await runPipeline({
      name: "lost",
      options: pipelineOptions({ sbom: { file: sbom }, tools: { cosign: tools!.cosign, node: tools!.node } }),
      values: { ref, keyRef: PRIVATE_KEY_FROM_ENV, keyFingerprint: "lab", trustTriggers: [], repairs: NO_REPAIRS },
      environments: { signer: signerEnv(env.labKey), registry: env.auth },
      steps: ["attest"],
      results: { sign: ref, scan: { sha256, packages: 0 } },
    });
    expect(await probeManifest(ref, ALICE)).toBe(true);

    await deleteManifest(ref);
    expect(await probeManifest(ref, ALICE)).toBe(false);
    // What the lab did before: verification by digest never fetches the manifest, so it admitted the image.
    const verifier = { ...verifierEnv(env.labKey), ...env.auth };
    const stock = await runStep(stockVerify(ref), verifier);
    expect(stock.exitCode, stock.stderr).toBe(0);
    expect((await runStep(stockVerify(ref, true), verifier)).exitCode).toBe(0);
    expect(await probeArtifacts(ref, "legacy", ALICE)).toMatchObject({ signature: true, attestation: true });

    const inputs = { ref, sign: ref, attest: ref, verify: ref, scan: { sha256, packages: 0 } } as StepInputs;
    const policed = pipelineOptions({ ...options(), policy: { builderId: "https://lab.example/builder", deniedPackages: [] } });
    for (const name of ["verify", "verify-attestation", "policy"] as const) {
      const step = pipelineStep(name);
      const refused = await runStep(step.script(inputs, policed), { ...verifier, ...(step.variables?.(inputs, policed) ?? {}) });
      expect(refused.exitCode, `${name}: ${refused.stderr}`).toBe(1);
      expect(refused.stderr, name).toContain(`the registry does not serve the manifest of ${ref} (HTTP 404)`);
      expect(refused.stderr, name).not.toMatch(/cosign failed/);
    }
    const status = await checkDeployedImage(
      "lost",
      { digestRef: ref, taggedRef: `${env.registry.endpoint}/lost:1.0`, attestedRef: ref },
      { publicKey: env.labKey.publicKeyPem, signatureFormat: "legacy", sbomFormat: "spdx-json", images: {} },
      (step, stepEnv) => runStep(step, stepEnv),
      env.auth,
      { cosign: tools!.cosign, skopeo: tools!.skopeo, node: tools!.node },
    );
    expect(status).toMatchObject({ served: false, signed: false, attested: false });
    expect(status.problems).toEqual([
      `manifest: the registry does not serve the manifest of ${ref} (HTTP 404): the image is gone from the registry, and nothing of it verifies`,
    ]);
  });

  it("puts a moved tag back on the digest, and says where it pointed; a tag in place is left alone", async () => {
    const tag = `${env.registry.endpoint}/moved:1.0`;
    const ref = await env.lab.pushChangedImage(`${env.registry.endpoint}/studentbook:1.0`, tag, env.auth, "first");
    const other = await env.lab.pushChangedImage(`${env.registry.endpoint}/studentbook:1.0`, tag, env.auth, "second");
    const { digest } = parseDigestRef(ref);
    expect(await probeTag(tag, ALICE)).toBe(parseDigestRef(other).digest);

    const restored = await runStep(restoreTagStep({ ref, tag: "1.0", node: tools!.node }), env.auth);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.stdout.trim()).toBe(tag);
    expect(restored.stderr.trim()).toBe(`lab: put tag 1.0 back on ${digest} (it pointed to ${parseDigestRef(other).digest})`);
    const inspected = await runStep(inspectTagStep({ taggedRef: tag, skopeo: tools!.skopeo }), env.auth);
    expect((JSON.parse(inspected.stdout) as { Digest: string }).Digest).toBe(digest);
    expect(await probeTag(tag, ALICE)).toBe(digest);

    const again = await runStep(restoreTagStep({ ref, tag: "1.0", node: tools!.node }), env.auth);
    expect(again).toMatchObject({ exitCode: 0, stderr: "" });
  });

  it("probes the image cheaply on a no-op: manifest and tag beside the artifacts' requests (timed)", async () => {
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const timed = async (probe: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await probe();
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const tag = `${env.registry.endpoint}/studentbook:1.0`;
    expect(await probeManifest(env.ref, ALICE)).toBe(true);
    expect(await probeTag(tag, ALICE)).toBe(parseDigestRef(env.ref).digest);
    const artifacts = await timed(() => probeArtifacts(env.ref, "legacy", ALICE));
    const manifest = await timed(() => probeManifest(env.ref, ALICE));
    const all = await timed(() =>
      Promise.all([probeArtifacts(env.ref, "legacy", ALICE), probeTag(tag, ALICE)]).then(() => probeManifest(env.ref, ALICE)),
    );
    console.log(
      `drift probes on a no-op (registry with auth, medians of 7): artifacts ${artifacts.toFixed(0)} ms; manifest ${manifest.toFixed(0)} ms; manifest, then artifacts and tag, as an update asks them ${all.toFixed(0)} ms`,
    );
    expect(manifest).toBeLessThan(500);
    expect(all).toBeLessThan(1500);
  });
});
