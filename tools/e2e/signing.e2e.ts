import {
  attestStep,
  parseDigestRef,
  PRIVATE_KEY_FROM_ENV,
  triangulateStep,
  legacyArtifactRef,
  runStepOrThrow,
  splitPemBlocks,
} from "@signed-image-lab/tooling";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useSigningLab } from "./support/signing-lab.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { sign, signerEnv, verify, fileSha256 } from "./support/signing.js";

const tools = labToolsOrSkip("signing");

describe.skipIf(!tools)("cosign signing (real cosign, offline, key pair)", () => {
  const env = useSigningLab(tools);

  beforeAll(async () => {});

  it("generates a key pair non-interactively: an encrypted private key and a public key", () => {
    expect(splitPemBlocks(env.labKey.privateKeyPem).map((b) => b.label)).toEqual(["ENCRYPTED SIGSTORE PRIVATE KEY"]);
    expect(env.labKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(env.labKey.publicKeyPem).not.toBe(env.otherKey.publicKeyPem);
  });

  it("signs by digest offline and verifies with the public key", async () => {
    await sign(tools!, env.ref, env.labKey, env.auth);
    const verified = await verify(tools!, env.ref, env.labKey, env.auth);
    expect(verified.stderr).not.toMatch(/error/i);
    expect(verified.exitCode).toBe(0);
    const claims = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string } } }[];
    expect(claims[0]?.critical.image["docker-manifest-digest"]).toBe(parseDigestRef(env.ref).digest);
  });

  it("runs the app from the verified digest: the studentbook container answers", async () => {
    const verified = await verify(tools!, env.ref, env.labKey, env.auth);
    expect(verified.exitCode).toBe(0);
    const url = await env.lab.runApp(env.ref, env.auth);
    const bounded = { signal: AbortSignal.timeout(5000) };
    const students = (await (await fetch(`${url}/students`, bounded)).json()) as { name: string }[];
    expect(students.map((s) => s.name)).toEqual(["Ada", "Grace"]);
    expect(await (await fetch(`${url}/`, bounded)).text()).toContain("<h1>studentbook</h1>");
  });

  it("stores the signature under the legacy tag that triangulate names", async () => {
    const signatureRef = await runStepOrThrow("cosign triangulate", triangulateStep({ ref: env.ref, cosign: tools!.cosign }), env.auth);
    expect(signatureRef.trim()).toBe(legacyArtifactRef(parseDigestRef(env.ref), "sig"));
  });

  it("fails verification with another key", async () => {
    const verified = await verify(tools!, env.ref, env.otherKey, env.auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(/no matching signatures|invalid signature/i);
  });

  it("fails verification for another digest in the same repository (a retagged, changed image)", async () => {
    const changed = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/studentbook:1.0`,
      env.auth,
    );
    expect(parseDigestRef(changed).digest).not.toBe(parseDigestRef(env.ref).digest);
    const verified = await verify(tools!, changed, env.labKey, env.auth);
    expect(verified.exitCode).not.toBe(0);
    expect(verified.stderr).toMatch(/no signatures found|no matching signatures/i);
  });

  it("signs and verifies in the bundle format too (cosign v3's Sigstore bundle, as an OCI referrer or its fallback tag)", async () => {
    const bundled = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/bundled:1.0`,
      env.auth,
    );
    await sign(tools!, bundled, env.labKey, env.auth, "bundle");
    const verified = await verify(tools!, bundled, env.labKey, env.auth, "bundle");
    expect(verified.stderr).not.toMatch(/no cosign image signature/);
    expect(verified.exitCode).toBe(0);
    expect((await verify(tools!, bundled, env.otherKey, env.auth, "bundle")).exitCode).not.toBe(0);
  });

  it("does not pass an image that carries only an SBOM attestation as signed", async () => {
    const attestedOnly = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/attested-only:1.0`,
      env.auth,
    );
    const predicate = join(env.lab.tempDir("predicate"), "sbom.spdx.json");
    writeFileSync(predicate, JSON.stringify({ spdxVersion: "SPDX-2.3", packages: [] }));
    for (const format of ["legacy", "bundle"] as const) {
      await runStepOrThrow(
        `cosign attest (${format})`,
        attestStep({
          ref: attestedOnly,
          keyRef: PRIVATE_KEY_FROM_ENV,
          predicateFile: predicate,
          sbomFormat: "spdx-json",
          sbomSha256: fileSha256(predicate),
          format,
          cosign: tools!.cosign,
        }),
        { ...signerEnv(env.labKey), ...env.auth },
      );
      const verified = await verify(tools!, attestedOnly, env.labKey, env.auth, format);
      expect(verified.exitCode, `${format}: ${verified.stderr}`).not.toBe(0);
      // cosign v3 itself accepts the bundle-format attestation as a signature; the lab's claim check refuses it.
      expect(verified.stderr).toMatch(
        format === "bundle" ? /an attestation alone does not make a signed image/ : /no signatures found|no matching signatures/i,
      );
    }
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
