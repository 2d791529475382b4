import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { holdsSecretInput, installRecordingMocks, plain, registeredUrns, valueOf, type RecordingMocks } from "../test-support/recording-mocks.js";

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
      context: "/repo/packages/studentbook",
      buildArgs: { BASE_IMAGE: "example.test/node-base:1" },
    });
    const ref = await valueOf(image.ref);
    expect(ref).toMatch(/^localhost:5001\/studentbook@sha256:[a-f0-9]{64}$/);
    expect(await valueOf(image.taggedRef)).toBe("localhost:5001/studentbook:1.0");
    const built = mocks.named("studentbook", "docker:index/image:Image");
    expect(built.inputs.imageName).toBe("localhost:5001/studentbook:1.0");
    expect(built.inputs.build).toMatchObject({
      context: "/repo/packages/studentbook",
      dockerfile: "/repo/packages/studentbook/Dockerfile",
      args: { BASE_IMAGE: "example.test/node-base:1" },
    });
  });

  it("pushes with the registry credentials, the password as a secret", async () => {
    const image = new module.Image("private", {
      registry: { endpoint: "localhost:5001", credentials: { username: "alice", password: pulumi.secret("pw") } },
      repository: "team/app",
      tag: "2.0",
      context: "/ctx",
    });
    await valueOf(image.ref);
    const built = mocks.named("private", "docker:index/image:Image");
    expect(plain(built.inputs.registry)).toEqual({ server: "localhost:5001", username: "alice", password: "pw" });
    expect(holdsSecretInput(built.inputs.registry)).toBe(true);
    expect(registeredUrns()).toContain("urn:pulumi:dev::signed-image-lab::signed-image-lab:signing:Image$docker:index/image:Image::private");
  });
});
