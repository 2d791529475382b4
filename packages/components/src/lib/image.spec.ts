import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FAKE_BUILD_STARTED,
  holdsSecretInput,
  installRecordingMocks,
  plain,
  registeredUrns,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";
import { tempBuildContext } from "../test-support/build-context.js";

const CONTEXT = tempBuildContext();

let mocks: RecordingMocks;
let module: typeof import("./image.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./image.js");
});

describe("Image", () => {
  it("builds the context with the base image as build argument and exposes the pushed digest", async () => {
    const image = new module.Image("studentbook", {
      registry: { endpoint: "localhost:5001" },
      context: CONTEXT,
      buildArgs: { BASE_IMAGE: "example.test/node-base:1" },
    });
    const ref = await outputValue(image.ref);
    expect(ref).toMatch(/^localhost:5001\/studentbook@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(image.taggedRef)).toBe("localhost:5001/studentbook:1.0");
    const built = mocks.named("studentbook", "docker:index/image:Image");
    expect(built.inputs.imageName).toBe("localhost:5001/studentbook:1.0");
    expect(built.inputs.build).toMatchObject({
      context: CONTEXT,
      dockerfile: `${CONTEXT}/Dockerfile`,
      args: { BASE_IMAGE: "example.test/node-base:1" },
    });
  });

  it("records what the build is made from, and starts its clock only when that changes", async () => {
    const image = new module.Image("clocked", {
      registry: { endpoint: "localhost:5001" },
      context: CONTEXT,
      buildArgs: { BASE_IMAGE: "base:1" },
    });
    const build = await outputValue(image.build);
    expect(build).toMatchObject({ dockerfile: { path: "Dockerfile" }, buildArgs: { BASE_IMAGE: "base:1" }, baseImage: "base:1" });
    expect(build.sourceDigest).toMatch(/^[a-f0-9]{64}$/);
    expect(build.dockerfile.sha256).toMatch(/^[a-f0-9]{64}$/);
    const clock = mocks.named("clocked-build-clock");
    expect(plain(clock.inputs.triggers)).toEqual([
      { sourceDigest: build.sourceDigest, dockerfile: build.dockerfile },
      { BASE_IMAGE: "base:1" },
    ]);
    expect(build.startedOn).toBe(FAKE_BUILD_STARTED);
  });

  it("pushes with the registry credentials, the password as a secret", async () => {
    const image = new module.Image("private", {
      registry: { endpoint: "localhost:5001", credentials: { username: "alice", password: pulumi.secret("pw") } },
      repository: "team/app",
      tag: "2.0",
      context: CONTEXT,
    });
    await outputValue(image.ref);
    const built = mocks.named("private", "docker:index/image:Image");
    expect(plain(built.inputs.registry)).toEqual({ server: "localhost:5001", username: "alice", password: "pw" });
    expect(holdsSecretInput(built.inputs.registry)).toBe(true);
    expect(registeredUrns()).toContain(
      "urn:pulumi:dev::signed-image-lab::signed-image-lab:signing:Image$docker:index/image:Image::private",
    );
  });
});
