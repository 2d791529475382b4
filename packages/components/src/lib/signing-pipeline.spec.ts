import { beforeAll, describe, expect, it } from "vitest";
import { scriptOf, fakeKeyMaterial, installRecordingMocks, registeredUrns, outputValue, type RecordingMocks } from "../test-support/recording-mocks.js";

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
      image: { kind: "build", repository: "web", tag: "1.0", context: "/ctx" },
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
      image: { kind: "build", repository: "secure", tag: "1.0", context: "/ctx" },
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
