import type { PolicyResource } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { digest, NotApplicable, Recorder, stackArgs, stackResource, UNKNOWN } from "../test-support/policy-args.js";
import { imageFromVerifiedRef, judgeRunningImages } from "./image-from-verified-ref.js";
import { DOCKER_CONTAINER_TYPE, DOCKER_REMOTE_IMAGE_TYPE, SIGNED_IMAGE_TYPE, SIGNING_PIPELINE_TYPE } from "./resource-types.js";
import { UnknownValueError } from "./unknown-values.js";

const VERIFIED = `localhost:5001/studentbook@${digest("a")}`;
const OTHER = `localhost:5001/studentbook@${digest("b")}`;
const IMAGE_ID = digest("c");

/** The lab's shape: SigningPipeline → SignedImage (verifiedRef), VerifiedContainer's RemoteImage by that ref → Container of its imageId. */
function lab(
  options: { verifiedRef?: string; pulled?: string; imageId?: string; containerImage?: string; linked?: boolean } = {},
): PolicyResource[] {
  const verifiedRef = options.verifiedRef ?? VERIFIED;
  const pipeline = stackResource(SIGNING_PIPELINE_TYPE, "studentbook", { digestRef: VERIFIED, verifiedRef });
  const signed = stackResource(SIGNED_IMAGE_TYPE, "studentbook", { signedRef: VERIFIED, verifiedRef });
  const image = stackResource(DOCKER_REMOTE_IMAGE_TYPE, "studentbook-app-image", {
    name: options.pulled ?? verifiedRef,
    imageId: options.imageId ?? IMAGE_ID,
    keepLocally: false,
  });
  const container = stackResource(
    DOCKER_CONTAINER_TYPE,
    "studentbook-app",
    { name: "dev-studentbook-app", image: options.containerImage ?? options.imageId ?? IMAGE_ID },
    options.linked === false ? {} : { image: [image] },
  );
  return [pipeline, signed, image, container];
}

async function validate(resources: PolicyResource[], config: object = {}): Promise<Recorder> {
  const recorder = new Recorder();
  await imageFromVerifiedRef.validateStack(stackArgs(resources, config), recorder.report);
  return recorder;
}

describe("image-from-verified-ref", () => {
  it("passes the lab: the Container runs the image ID of a RemoteImage of the verifiedRef", async () => {
    expect((await validate(lab())).violations).toEqual([]);
  });

  it("refuses a Container from a RemoteImage pinned by digest that is not a verifiedRef, naming the container", async () => {
    const resources = lab({ pulled: OTHER });
    const { violations } = await validate(resources);
    expect(violations).toEqual([
      {
        urn: resources[3]!.urn,
        message: `studentbook-app runs ${OTHER} (RemoteImage studentbook-app-image), which is not the verifiedRef of any SigningPipeline or SignedImage in this stack: run images only from a verifiedRef`,
      },
    ]);
  });

  it("follows an image ID written out (no property dependency) to the RemoteImage that pulled it", async () => {
    expect((await validate(lab({ linked: false }))).violations).toEqual([]);
    expect((await validate(lab({ linked: false, pulled: OTHER }))).violations).toHaveLength(1);
  });

  it("refuses an image ID that no RemoteImage in the stack pulled", async () => {
    const { violations } = await validate(lab({ linked: false, containerImage: digest("d") }));
    expect(violations.map((v) => v.message)).toEqual([
      `studentbook-app runs image ID ${digest("d")}, which no RemoteImage in this stack pulled: run it from a RemoteImage of a verifiedRef`,
    ]);
  });

  it("refuses a Container naming a reference directly unless it is a verifiedRef, and says when the stack verifies nothing", async () => {
    expect((await validate(lab({ linked: false, containerImage: VERIFIED }))).violations).toEqual([]);
    const alone = stackResource(DOCKER_CONTAINER_TYPE, "web", { image: OTHER });
    expect((await validate([alone])).violations.map((v) => v.message)).toEqual([
      `web runs ${OTHER} (image), which is not the verifiedRef of any SigningPipeline or SignedImage in this stack (this stack has no SigningPipeline or SignedImage with a verifiedRef): run images only from a verifiedRef`,
    ]);
  });

  it("judges kubernetes pods too", async () => {
    const [pipeline] = lab();
    const deployment = (image: string) =>
      stackResource("kubernetes:apps/v1:Deployment", "web", { spec: { template: { spec: { containers: [{ image }] } } } });
    expect((await validate([pipeline!, deployment(VERIFIED)])).violations).toEqual([]);
    expect((await validate([pipeline!, deployment(OTHER)])).violations).toHaveLength(1);
  });

  it("first preview: the verifiedRef is unknown, so nothing is reported and the framework gets the unknown (advisory)", async () => {
    const resources = lab({ verifiedRef: UNKNOWN, imageId: UNKNOWN });
    const recorder = new Recorder();
    await expect(async () => imageFromVerifiedRef.validateStack(stackArgs(resources), recorder.report)).rejects.toBeInstanceOf(
      UnknownValueError,
    );
    expect(recorder.violations).toEqual([]);
  });

  it("preview: a RemoteImage known to be unverified is reported even while another image is still unknown", async () => {
    const pending = lab({ verifiedRef: UNKNOWN, imageId: UNKNOWN });
    const judgement = judgeRunningImages([...pending, ...lab({ pulled: OTHER }).slice(2)]);
    // The pending verifiedRef could still equal OTHER, so OTHER is undecided too, not a violation.
    expect(judgement.violations).toEqual([]);
    expect(judgement.unknown).toBeInstanceOf(UnknownValueError);
    const known = judgeRunningImages([
      ...lab(),
      stackResource(DOCKER_CONTAINER_TYPE, "late", { image: UNKNOWN }),
      stackResource(DOCKER_CONTAINER_TYPE, "web", { image: OTHER }),
    ]);
    expect(known.violations.map((v) => v.urn)).toEqual([expect.stringContaining("::web")]);
    expect(known.unknown).toBeInstanceOf(UnknownValueError);
  });

  it("counts the verifiedRef of the component types a stack configures", async () => {
    const own = stackResource("acme:images:Verified", "base", { verifiedRef: OTHER });
    const resources = [own, ...lab({ pulled: OTHER }).slice(2)];
    expect((await validate(resources)).violations).toHaveLength(1);
    expect((await validate(resources, { verifyingTypes: ["acme:images:Verified"] })).violations).toEqual([]);
  });

  it("lets the containers of exempt component types run unverified images", async () => {
    const registry = {
      ...stackResource(DOCKER_CONTAINER_TYPE, "dev-registry", { image: "example.test/registry:2" }),
      urn: "urn:pulumi:dev::signed-image-lab::pulumi:pulumi:Stack$signed-image-lab:signing:Registry$docker:index/container:Container::dev-registry",
    };
    expect((await validate([...lab(), registry])).violations.map((v) => v.urn)).toEqual([registry.urn]);
    expect((await validate([...lab(), registry], { exemptComponents: ["signed-image-lab:signing:Registry"] })).violations).toEqual([]);
  });

  it("is not applicable to a stack that runs no image", async () => {
    const [pipeline, signed, image] = lab();
    await expect(validate([pipeline!, signed!, image!])).rejects.toBeInstanceOf(NotApplicable);
  });
});
