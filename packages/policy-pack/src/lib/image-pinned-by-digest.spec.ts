import { describe, expect, it } from "vitest";
import { digest, Recorder, resourceArgs, UNKNOWN } from "../test-support/policy-args.js";
import { imagePinnedByDigest } from "./image-pinned-by-digest.js";
import {
  DOCKER_BUILD_IMAGE_TYPE,
  DOCKER_CONTAINER_TYPE,
  DOCKER_REGISTRY_IMAGE_TYPE,
  DOCKER_REMOTE_IMAGE_TYPE,
  DOCKER_SERVICE_TYPE,
} from "./resource-types.js";
import { UnknownValueError } from "./unknown-values.js";

const REF = `localhost:5001/studentbook@${digest("a")}`;

/** Runs the policy as the engine does and returns the violation messages. */
async function validate(type: string, props: Record<string, unknown>, config: object = {}): Promise<string[]> {
  const recorder = new Recorder();
  const validations = [imagePinnedByDigest.validateResource].flat();
  for (const v of validations) await v!(resourceArgs(type, "app", props, config), recorder.report);
  return recorder.violations.map((v) => v.message);
}

describe("image-pinned-by-digest", () => {
  it("passes a RemoteImage pinned by digest, as VerifiedContainer declares it", async () => {
    expect(await validate(DOCKER_REMOTE_IMAGE_TYPE, { name: REF, keepLocally: false })).toEqual([]);
  });

  it("refuses a RemoteImage by tag, naming the resource, the field and the reference", async () => {
    expect(await validate(DOCKER_REMOTE_IMAGE_TYPE, { name: "localhost:5001/studentbook:latest" })).toEqual([
      'app: name "localhost:5001/studentbook:latest" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move',
    ]);
  });

  it("passes a digest with a tag before it (the registry resolves the digest), refuses a malformed digest", async () => {
    expect(await validate(DOCKER_REMOTE_IMAGE_TYPE, { name: `localhost:5001/studentbook:1.0@${digest("b")}` })).toEqual([]);
    expect(await validate(DOCKER_REMOTE_IMAGE_TYPE, { name: "localhost:5001/studentbook:1.0@sha256:abc" })).toHaveLength(1);
  });

  it("passes a Container running the image ID of a RemoteImage, refuses one running a tag", async () => {
    expect(await validate(DOCKER_CONTAINER_TYPE, { name: "dev-studentbook-app", image: digest("c") })).toEqual([]);
    expect(await validate(DOCKER_CONTAINER_TYPE, { name: "web", image: "nginx:1.27" })).toEqual([
      'app: image "nginx:1.27" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move',
    ]);
    // An image ID is a Container's only: a RemoteImage must name a repository.
    expect(await validate(DOCKER_REMOTE_IMAGE_TYPE, { name: digest("c") })).toHaveLength(1);
  });

  it("judges RegistryImage, swarm Service, docker-build FROM lines and kubernetes containers", async () => {
    expect(await validate(DOCKER_REGISTRY_IMAGE_TYPE, { name: "localhost:5001/app:1" })).toHaveLength(1);
    expect(await validate(DOCKER_SERVICE_TYPE, { taskSpec: { containerSpec: { image: REF } } })).toEqual([]);
    expect(
      await validate(DOCKER_BUILD_IMAGE_TYPE, {
        dockerfile: { inline: `FROM node:22 AS build\nFROM ${REF}\nCOPY --from=build /app /app` },
      }),
    ).toEqual(['app: dockerfile.inline FROM "node:22" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move']);
    const pod = {
      spec: {
        containers: [
          { name: "app", image: REF },
          { name: "proxy", image: "envoy:v1" },
        ],
      },
    };
    expect(await validate("kubernetes:core/v1:Pod", pod)).toEqual([
      'app: spec.containers[1].image "envoy:v1" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move',
    ]);
    expect(await validate("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ image: REF }] } } } })).toEqual([]);
  });

  it("lets a stack exempt exact references through the policy config", async () => {
    expect(await validate(DOCKER_CONTAINER_TYPE, { image: "vendor/agent:7" }, { exempt: ["vendor/agent:7"] })).toEqual([]);
    expect(await validate(DOCKER_CONTAINER_TYPE, { image: "vendor/agent:8" }, { exempt: ["vendor/agent:7"] })).toHaveLength(1);
  });

  it("in preview, reports the known tags first, then leaves the unknown one to the framework's advisory", async () => {
    const recorder = new Recorder();
    const pod = { spec: { containers: [{ image: UNKNOWN }, { image: "envoy:v1" }] } };
    const run = async () =>
      [imagePinnedByDigest.validateResource].flat()[0]!(resourceArgs("kubernetes:core/v1:Pod", "web", pod), recorder.report);
    await expect(run()).rejects.toBeInstanceOf(UnknownValueError);
    expect(recorder.violations.map((v) => v.message)).toEqual([
      'web: spec.containers[1].image "envoy:v1" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move',
    ]);
  });

  it("says nothing of resources that hold no image", async () => {
    expect(await validate("command:local:Command", { create: "docker run nginx:latest" })).toEqual([]);
    expect(await validate(DOCKER_CONTAINER_TYPE, { name: "no-image-yet" })).toEqual([]);
  });
});

describe("image-pinned-by-digest exemptions by component", () => {
  it("skips a resource made inside an exempt component type, and only there", async () => {
    const recorder = new Recorder();
    const args = resourceArgs(
      DOCKER_REMOTE_IMAGE_TYPE,
      "dev-registry-image",
      { name: "example.test/registry:2" },
      { exemptComponents: ["signed-image-lab:signing:Registry"] },
    );
    const inside = {
      ...args,
      urn: "urn:pulumi:dev::signed-image-lab::pulumi:pulumi:Stack$signed-image-lab:signing:Registry$docker:index/remoteImage:RemoteImage::dev-registry-image",
    };
    await [imagePinnedByDigest.validateResource].flat()[0]!(inside, recorder.report);
    expect(recorder.violations).toEqual([]);
    await [imagePinnedByDigest.validateResource].flat()[0]!(args, recorder.report);
    expect(recorder.violations).toHaveLength(1);
  });
});
