import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import {
  deleteScriptOf,
  holdsSecretInput,
  scriptOf,
  stepEnvironment,
  fakeKeyMaterial,
  installRecordingMocks,
  registeredUrns,
  outputValue,
  plain,
  type RecordingMocks,
} from "../testing/recording-mocks.js";
import { tempBuildContext } from "../test-support/build-context.js";

const CONTEXT = tempBuildContext();

const EXISTING = `registry.example:5000/team/app@sha256:${"9".repeat(64)}`;
let mocks: RecordingMocks;
let module: typeof import("./signing-pipeline.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./signing-pipeline.js");
});

describe("SigningPipeline", () => {
  it("builds, inspects, signs, verifies and attests one image, all children under the pipeline", async () => {
    const pipeline = new module.SigningPipeline("web", {
      registry: { endpoint: "localhost:5001" },
      image: { kind: "build", repository: "web", tag: "1.0", context: CONTEXT },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
    });
    const ref = await outputValue(pipeline.attestedRef!);
    expect(ref).toMatch(/^localhost:5001\/web@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(pipeline.verifiedRef)).toBe(ref);
    expect((await outputValue(pipeline.inspection)).digest).toBe(ref.split("@")[1]);
    const children = registeredUrns().filter((urn) => urn.includes("signed-image-lab:signing:SigningPipeline$"));
    expect(children.map((urn) => urn.split("::")[2]?.split("$").pop())).toEqual(
      expect.arrayContaining([
        "signed-image-lab:signing:Image",
        "signed-image-lab:signing:ImageInspection",
        "signed-image-lab:signing:SignedImage",
        "signed-image-lab:signing:SbomAttestation",
      ]),
    );
  });

  it("attests provenance, admits by the policy and promotes the admitted digest, target credentials secret", async () => {
    const pipeline = new module.SigningPipeline("gated", {
      registry: { endpoint: "localhost:5001" },
      image: { kind: "build", repository: "team/gated", tag: "1.0", context: CONTEXT, buildArgs: { BASE_IMAGE: "base:1" } },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
      provenance: { builderId: "https://builder.example/v1" },
      policy: { builderId: "https://builder.example/v1", deniedPackages: ["left-pad"] },
      promotion: { registry: { endpoint: "localhost:5002", credentials: { username: "prod", password: pulumi.secret("prod-pw") } } },
    });
    const admitted = await outputValue(pipeline.admittedRef);
    expect(admitted).toBe(await outputValue(pipeline.verifiedRef));
    expect(await outputValue(pipeline.promotedRef!)).toBe(`localhost:5002/team/gated@${admitted.split("@")[1]}`);
    expect(await outputValue(pipeline.provenanceRef!)).toBe(admitted);
    // The provenance records the build and its base, pinned by the ID docker reports.
    const predicate = JSON.parse(stepEnvironment(mocks.named("gated-attest-provenance")).LAB_PROVENANCE_PREDICATE ?? "{}");
    expect(predicate.runDetails.builder.id).toBe("https://builder.example/v1");
    expect(predicate.buildDefinition.resolvedDependencies.map((d: { name: string }) => d.name)).toEqual([
      "build-context",
      "dockerfile",
      "base-image",
    ]);
    expect(scriptOf(mocks.named("gated-policy"))).toContain("--policy");
    const promote = mocks.named("gated-promote");
    expect(stepEnvironment(promote)).toMatchObject({ LAB_TARGET_REGISTRY_USERNAME: "prod", LAB_TARGET_REGISTRY_PASSWORD: "prod-pw" });
    expect(holdsSecretInput(promote.inputs.environment)).toBe(true);
    expect(stepEnvironment(mocks.named("gated-verify-promoted"))).toMatchObject({ LAB_REGISTRY_USERNAME: "prod" });
  });

  it("exports the verified digest as an OCI archive (the seed's step 1.4), which destroy removes", async () => {
    const pipeline = new module.SigningPipeline("archived", {
      registry: { endpoint: "localhost:5001" },
      image: { kind: "build", repository: "archived", tag: "1.0", context: CONTEXT },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
    });
    const verified = await outputValue(pipeline.verifiedRef);
    const archive = await outputValue(pipeline.ociArchive);
    expect(archive).toEqual({ file: "/lab/dev/archived.oci.tar", sha256: expect.stringMatching(/^[a-f0-9]{64}$/) });
    const step = mocks.named("archived-archive");
    expect(registeredUrns().find((urn) => urn.endsWith("::archived-archive"))).toContain("signed-image-lab:signing:SigningPipeline$");
    expect(scriptOf(step)).toContain(
      `skopeo --insecure-policy copy --quiet --src-tls-verify=false docker://${verified} oci-archive:/lab/dev/archived.oci.tar.partial`,
    );
    expect(scriptOf(step)).toContain("mv -f /lab/dev/archived.oci.tar.partial /lab/dev/archived.oci.tar");
    expect(deleteScriptOf(step)).toContain("rm -f /lab/dev/archived.oci.tar /lab/dev/archived.oci.tar.partial");
    expect(plain(step.inputs.triggers)).toEqual([verified, 0]);
    expect((await outputValue(pipeline.driftRecord)).ociArchiveSha256).toBe(archive.sha256);
  });

  it("takes an existing digest without building anything", async () => {
    const before = mocks.ofType("docker:index/image:Image").length;
    const pipeline = new module.SigningPipeline("given", {
      registry: { endpoint: "registry.example:5000" },
      image: { kind: "existing", ref: EXISTING },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
      sbom: { delivery: "attest" },
    });
    expect(await outputValue(pipeline.attestedRef!)).toBe(EXISTING);
    expect(mocks.ofType("docker:index/image:Image")).toHaveLength(before);
    expect(scriptOf(mocks.named("given-sign"))).toContain(EXISTING);
  });

  it("has every step trust the registry's CA file when the registry serves TLS", async () => {
    const pipeline = new module.SigningPipeline("secure", {
      registry: { endpoint: "localhost:5001", caFile: "/lab/ca/ca.crt" },
      image: { kind: "build", repository: "secure", tag: "1.0", context: CONTEXT },
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
    });
    await outputValue(pipeline.attestedRef!);
    for (const step of ["sign", "verify", "triangulate", "attach", "attest", "verify-attestation"]) {
      expect(scriptOf(mocks.named(`secure-${step}`)), step).toContain("--registry-cacert /lab/ca/ca.crt");
    }
    expect(scriptOf(mocks.named("secure-scan"))).toContain("SYFT_REGISTRY_CA_CERT=/lab/ca/ca.crt");
    expect(scriptOf(mocks.named("secure-scan"))).not.toContain("SYFT_REGISTRY_INSECURE_USE_HTTP");
    expect(scriptOf(mocks.named("secure-inspect"))).toContain(`cp -- /lab/ca/ca.crt "\${lab_tmp}"/certs/ca.crt`);
    expect(scriptOf(mocks.named("secure-inspect"))).toContain(`--tls-verify=true --cert-dir "\${lab_tmp}"/certs`);
  });
});
