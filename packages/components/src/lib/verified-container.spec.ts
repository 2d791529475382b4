import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { holdsSecretInput, installRecordingMocks, plain, outputValue, type RecordingMocks } from "../testing/recording-mocks.js";

const REF = `localhost:5001/studentbook@sha256:${"f".repeat(64)}`;
let mocks: RecordingMocks;
let module: typeof import("./verified-container.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./verified-container.js");
});

describe("VerifiedContainer", () => {
  it("pulls the verified digest and publishes 8090 to the app's 8080 (the seed's `-p 8090` mapped nothing)", async () => {
    const app = new module.VerifiedContainer("app", { verifiedRef: REF });
    expect(await outputValue(app.url)).toBe("http://localhost:8090/");
    expect(await outputValue(app.runningRef)).toBe(REF);
    expect(mocks.named("app-image").inputs.name).toBe(REF);
    expect(mocks.named("app", "docker:index/container:Container").inputs.ports).toEqual([
      { internal: 8080, external: 8090, ip: "127.0.0.1" },
    ]);
  });

  it("pulls with a provider that holds the registry credentials when the registry has auth", async () => {
    const app = new module.VerifiedContainer("private", {
      verifiedRef: REF,
      hostPort: 9000,
      registryCredentials: { username: "alice", password: pulumi.secret("pw") },
    });
    await outputValue(app.runningRef);
    await outputValue(app.url);
    const provider = mocks.resources.find((r) => r.name === "private-registry-auth");
    expect(provider?.type).toBe("pulumi:providers:docker");
    // Provider inputs travel as JSON strings; the whole value stays secret.
    expect(holdsSecretInput(provider?.inputs.registryAuth)).toBe(true);
    expect(JSON.parse(plain(provider?.inputs.registryAuth))).toEqual([
      expect.objectContaining({ address: "localhost:5001", username: "alice", password: "pw" }),
    ]);
  });

  it("refuses to run a tag", () => {
    expect(() => new module.VerifiedContainer("tagged", { verifiedRef: "localhost:5001/studentbook:1.0" })).toThrow(
      /verifiedRef must be pinned by digest/,
    );
  });
});
