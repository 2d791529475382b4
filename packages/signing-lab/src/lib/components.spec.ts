import * as pulumi from "@pulumi/pulumi";
import { installRecordingMocks, outputValue, plain, type RecordingMocks } from "@signed-image-lab/components/testing";
import { PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// The package's components over the lab's, under the lab's recording mocks: what a Python or YAML
// program's arguments become, and what is refused before anything is registered.
let mocks: RecordingMocks;
let pkg: typeof import("../index.js");
const root = mkdtempSync(join(tmpdir(), "signing-lab-spec-"));

beforeAll(async () => {
  mocks = await installRecordingMocks({}, [], "team-env", "pylab");
  pkg = await import("../index.js");
  writeFileSync(join(root, "Dockerfile"), ["ARG BASE_IMAGE", "FROM $BASE_IMAGE", ""].join("\n"));
});

/** Runs `make` and says how many resources it registered before it threw (or not). */
function registeredBy(make: () => unknown): { count: number; error?: Error } {
  const before = mocks.resources.length;
  try {
    make();
    return { count: mocks.resources.length - before };
  } catch (error) {
    return { count: mocks.resources.length - before, error: error as Error };
  }
}

describe("SigningLab (schema-shaped)", () => {
  it("refuses a relative projectRoot, naming it, before anything is registered", () => {
    const { count, error } = registeredBy(() => new pkg.SigningLab("lab", { projectRoot: "app", checkTools: false }));
    expect(count).toBe(0);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    expect(error?.message).toBe("SigningLabArgs.projectRoot: must be an absolute path (it is app)");
  });

  it("refuses a bad setting by its key under SigningLabArgs before anything is registered", () => {
    const { count, error } = registeredBy(
      () =>
        new pkg.SigningLab("lab", { projectRoot: root, registryPort: 70000, image: { name: "hello", context: "." }, checkTools: false }),
    );
    expect(count).toBe(0);
    expect(error?.message).toContain("SigningLabArgs:registryPort: must be 1 to 65535");
  });

  it("maps its arguments onto the lab's settings: the kind words, the prefix, and no drift check by default", async () => {
    expect(
      pkg.labSettings({
        projectRoot: root,
        namePrefix: "p",
        registryPort: 5201,
        sbomFormat: pkg.SbomFormat.CyclonedxJson,
        signingKey: { source: pkg.LabKeySource.Generate },
      }),
    ).toEqual({ registryPort: 5201, sbomFormat: "cyclonedx-json", signingKey: { source: "generate" }, driftCheck: false });
    const lab = new pkg.SigningLab("lab", {
      projectRoot: root,
      registryPort: 5201,
      appPort: 8291,
      image: { name: "hello", tag: "1.0", context: "." },
      registryImage: PINNED_VERSIONS.images.registryLocal,
      baseImage: PINNED_VERSIONS.images.nodeBaseLocal,
      cosignPassword: pulumi.secret("a-password"),
      checkTools: false,
    });
    expect(await outputValue(lab.admittedRef)).toMatch(/^localhost:5201\/hello@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(lab.appUrl)).toBe("http://localhost:8291/");
    const container = mocks.resources.find((r) => r.type === "docker:index/container:Container" && r.name === "registry");
    expect(plain(container?.inputs.name)).toBe("pylab-registry");
    expect(JSON.stringify(plain(container?.inputs.ports))).toContain("5201");
    const inner = mocks.resources.find((r) => r.type === "signed-image-lab:lab:SigningLab");
    expect(inner?.custom).toBe(false);
  });
});

describe("SigningKey and SigningPipeline (schema-shaped)", () => {
  it("a SigningKey without its password is refused by key path, nothing registered", () => {
    const { count, error } = registeredBy(() => new pkg.SigningKey("k", { source: pkg.SigningKeySource.Import }));
    expect(count).toBe(0);
    expect(error?.message).toBe(
      "SigningKeyArgs.privateKeyPem: required when source is import; SigningKeyArgs.password: required for an imported key",
    );
  });

  it("a pipeline signs with the key's outputs, its signer environment kept secret", async () => {
    const key = new pkg.SigningKey("cosign", { password: pulumi.secret("p") });
    expect(await pulumi.isSecret(key.signerEnvironment)).toBe(true);
    const pipeline = new pkg.SigningPipeline("hello", {
      registry: { endpoint: "localhost:5301" },
      image: { kind: pkg.ImageSourceKind.Build, repository: "hello", tag: "1.0", context: root, buildArgs: { BASE_IMAGE: "b:1" } },
      key: {
        keyRef: key.keyRef,
        publicKeyPem: key.publicKeyPem,
        publicKeyFingerprint: key.publicKeyFingerprint,
        signerEnvironment: key.signerEnvironment,
      },
      workDir: join(root, ".lab"),
    });
    expect(await outputValue(pipeline.admittedRef)).toMatch(/^localhost:5301\/hello@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(pipeline.sbomFile)).toMatch(/\.spdx\.json$/);
  });

  it("a pipeline missing the key's outputs and an absolute workDir is refused with each key path", () => {
    const { count, error } = registeredBy(
      () =>
        new pkg.SigningPipeline("bad", {
          registry: { endpoint: "localhost:5301", username: "u" },
          image: { kind: pkg.ImageSourceKind.Existing, ref: "localhost:5301/a@sha256:00" },
          key: { keyRef: "env://COSIGN_PRIVATE_KEY" } as never,
          workDir: ".lab",
          provenance: { builderId: "https://b" },
        }),
    );
    expect(count).toBe(0);
    expect(error?.message.split("; ")).toEqual([
      "SigningPipelineArgs.registry.password: required with username",
      "SigningPipelineArgs.key.publicKeyPem: required (a SigningKey's output)",
      "SigningPipelineArgs.key.publicKeyFingerprint: required (a SigningKey's output)",
      "SigningPipelineArgs.key.signerEnvironment: required (a SigningKey's output)",
      "SigningPipelineArgs.workDir: must be an absolute path (it is .lab)",
      "SigningPipelineArgs.provenance: only for an image the pipeline builds (image.kind build)",
    ]);
  });
});

describe("Registry and VerifiedContainer (schema-shaped)", () => {
  it("a registry with users publishes the first user's password as a secret output", async () => {
    const registry = new pkg.Registry("reg", { port: 5302, users: [{ username: "team", password: pulumi.secret("pw") }] });
    expect(await outputValue(registry.authEnabled)).toBe(true);
    expect(await outputValue(registry.username)).toBe("team");
    expect(await pulumi.isSecret(registry.password as pulumi.Output<string>)).toBe(true);
  });

  it("a container needs its verified ref, and a login needs both halves", () => {
    const { count, error } = registeredBy(
      () =>
        new pkg.VerifiedContainer("app", { registryLogin: { username: "u" } } as unknown as import("../index.js").VerifiedContainerArgs),
    );
    expect(count).toBe(0);
    expect(error?.message).toBe(
      "VerifiedContainerArgs.verifiedRef: required; VerifiedContainerArgs.registryLogin.password: required with username",
    );
  });
});
