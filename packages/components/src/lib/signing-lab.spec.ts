import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { holdsSecretInput, installRecordingMocks, outputValue, registeredUrns, stepEnvironment } from "../testing/recording-mocks.js";

const REPO_ROOT = resolve(import.meta.dirname, "../../../..");

/** Waits until every resource of a lab registered: the next run's mocks must not see this one's. */
async function settle(lab: { readonly images: Record<string, unknown>; readonly appRef?: pulumi.Output<string> }) {
  await outputValue(pulumi.output(lab.images));
  await outputValue(pulumi.output(lab.appRef));
}

/** A fresh run: new mocks, the module imported under them. */
async function fresh() {
  const mocks = await installRecordingMocks();
  const { SigningLab } = await import("./signing-lab.js");
  return { mocks, SigningLab };
}

describe("SigningLab", () => {
  it("composes the registry, key and one pipeline per image under itself, containers named by the prefix", async () => {
    const { mocks, SigningLab } = await fresh();
    const lab = new SigningLab("lab", {
      settings: { cosignPassword: "pw", registryPort: 5301, appPort: 8391 },
      projectRoot: REPO_ROOT,
      namePrefix: "team",
      checkTools: false,
    });
    expect(await outputValue(lab.admittedRef)).toMatch(/^localhost:5301\/studentbook@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(lab.appUrl)).toBe("http://localhost:8391/");
    await settle(lab);
    const containers = mocks.ofType("docker:index/container:Container").map((c) => c.inputs.name);
    expect(containers.sort()).toEqual(["team-registry", "team-studentbook-app"]);
    const urns = registeredUrns();
    for (const child of ["signing:Registry::registry", "signing:SigningKey::cosign", "signing:SigningPipeline::studentbook"]) {
      expect(urns).toContain(`urn:pulumi:dev::signed-image-lab::signed-image-lab:lab:SigningLab$signed-image-lab:${child}`);
    }
  });

  it("refuses bad settings before anything is registered, naming every key path", async () => {
    const { mocks, SigningLab } = await fresh();
    expect(
      () =>
        new SigningLab("lab", {
          settings: { registryPort: 0, appPort: 5001, sbomFormat: "xml" as "spdx-json", cosignPassword: "pw" },
          projectRoot: REPO_ROOT,
          checkTools: false,
        }),
    ).toThrow(/SigningLabArgs\.settings:registryPort: must be 1 to 65535[\s\S]*SigningLabArgs\.settings:sbomFormat/);
    expect(mocks.resources).toEqual([]);
  });

  it("refuses a build context that is no folder, naming the key as the program calls its settings", async () => {
    const { mocks, SigningLab } = await fresh();
    expect(
      () =>
        new SigningLab("lab", {
          settings: { image: { name: "app", context: "no/such/folder" }, cosignPassword: "pw" },
          settingsName: "team-env",
          projectRoot: REPO_ROOT,
          checkTools: false,
        }),
    ).toThrow(`team-env:image.context: no folder ${REPO_ROOT}/no/such/folder`);
    expect(mocks.resources).toEqual([]);
  });

  it("takes the cosign password as a Pulumi secret output and hands it to the key step as a secret", async () => {
    const { mocks, SigningLab } = await fresh();
    const lab = new SigningLab("lab", {
      settings: { cosignPassword: pulumi.secret("from-config") },
      projectRoot: REPO_ROOT,
      checkTools: false,
    });
    await settle(lab);
    const generate = mocks.named("cosign-generate");
    expect(holdsSecretInput(generate.inputs.environment)).toBe(true);
    expect(stepEnvironment(generate).COSIGN_PASSWORD).toBe("from-config");
  });

  it("checks the machine's tools before anything is registered", async () => {
    const { mocks, SigningLab } = await fresh();
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => new SigningLab("lab", { settings: { cosignPassword: "pw" }, projectRoot: REPO_ROOT })).toThrow(
        /the lab's tools are not ready on this machine:[\s\S]*cosign v\S+: 'cosign' not found on PATH; obtain it: go install /,
      );
    } finally {
      process.env.PATH = path;
    }
    expect(mocks.resources).toEqual([]);
  });
});
