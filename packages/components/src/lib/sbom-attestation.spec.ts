import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  stepEnvironment,
  deleteScriptOf,
  scriptOf,
  fakeKeyMaterial,
  FAKE_PUBLIC_KEY,
  holdsSecretInput,
  installRecordingMocks,
  registeredUrns,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";
import type { SbomAttestationArgs } from "./sbom-attestation.js";

const REF = `localhost:5001/studentbook@sha256:${"c".repeat(64)}`;
let mocks: RecordingMocks;
let module: typeof import("./sbom-attestation.js");

async function attested(name: string, extra: Partial<SbomAttestationArgs> = {}) {
  const sbom = new module.SbomAttestation(name, { ref: REF, key: fakeKeyMaterial(), workDir: "/lab/dev", ...extra });
  await outputValue(sbom.packageCount);
  if (sbom.attestedRef) await outputValue(sbom.attestedRef);
  if (sbom.attachedRef) await outputValue(sbom.attachedRef);
  return sbom;
}

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./sbom-attestation.js");
});

describe("SbomAttestation", () => {
  it("scans and attaches while the image is still being signed, and attests only once it is signed", async () => {
    let signed!: (ref: string) => void;
    const sbom = new module.SbomAttestation("early", {
      ref: REF,
      signedRef: pulumi.output(new Promise<string>((resolve) => (signed = resolve))),
      key: fakeKeyMaterial(),
      workDir: "/lab/dev",
    });
    await outputValue(sbom.packageCount);
    await outputValue(sbom.attachedRef!);
    expect(mocks.resources.map((r) => r.name)).not.toContain("early-attest");
    signed(REF);
    expect(await outputValue(sbom.attestedRef!)).toBe(REF);
    expect(mocks.named("early-attest").inputs.triggers[0]).toBe(REF);
  });

  it("scans the digest from the registry, all layers, into the SBOM file", async () => {
    const sbom = await attested("app");
    expect(sbom.sbomFile).toBe("/lab/dev/app.spdx.json");
    const scan = mocks.named("app-scan");
    expect(scriptOf(scan)).toContain(`syft scan registry:${REF} --scope all-layers -o spdx-json=/lab/dev/app.spdx.json`);
    expect(deleteScriptOf(scan)).toContain("rm -f /lab/dev/app.spdx.json");
    expect(scan.inputs.triggers).toEqual([REF, "spdx-json", "all-layers", 0]);
    expect(await outputValue(sbom.packageCount)).toBe(42);
  });

  it("attests the scanned file, keyed on its sha256, then verifies the attestation", async () => {
    const sbom = await attested("flow");
    const sha256 = await outputValue(sbom.sbomSha256);
    const attest = mocks.named("flow-attest");
    expect(scriptOf(attest)).toContain(`--type spdxjson --predicate /lab/dev/flow.spdx.json`);
    expect(scriptOf(attest)).toContain(REF);
    expect(attest.inputs.triggers).toEqual([REF, sha256, expect.stringMatching(/^[a-f0-9]{64}$/), "legacy", 0]);
    expect(holdsSecretInput(attest.inputs.environment)).toBe(true);
    expect(stepEnvironment(attest)).toMatchObject({ COSIGN_PASSWORD: "key-pw" });

    const verify = mocks.named("flow-verify-attestation");
    expect(scriptOf(verify)).toContain(
      `cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --insecure-ignore-tlog --new-bundle-format=false --type spdxjson ${REF}`,
    );
    expect(stepEnvironment(verify)).toEqual({ COSIGN_PUBLIC_KEY: FAKE_PUBLIC_KEY });
    expect(await outputValue(sbom.attestedRef!)).toBe(REF);
  });

  it("attaches the SBOM as the seed does, keyed on its sha256", async () => {
    const sbom = await attested("seedlike", { delivery: "attach" });
    const attach = mocks.named("seedlike-attach");
    expect(scriptOf(attach)).toContain(`cosign attach sbom --sbom /lab/dev/seedlike.spdx.json --type spdx --input-format json ${REF}`);
    expect(attach.inputs.triggers).toEqual([REF, await outputValue(sbom.sbomSha256), 0]);
    expect(await outputValue(sbom.attachedRef!)).toBe(`localhost:5001/studentbook:sha256-${"c".repeat(64)}.sbom`);
    expect(sbom.attestedRef).toBeUndefined();
    expect(() => mocks.named("seedlike-attest")).toThrow(/no resource named/);
  });

  it("writes CycloneDX and attests it under its predicate type", async () => {
    const sbom = await attested("cdx", { sbomFormat: "cyclonedx-json", delivery: "attest" });
    expect(sbom.sbomFile).toBe("/lab/dev/cdx.cdx.json");
    expect(scriptOf(mocks.named("cdx-scan"))).toContain("-o cyclonedx-json=/lab/dev/cdx.cdx.json");
    expect(scriptOf(mocks.named("cdx-attest"))).toContain("--type cyclonedx");
    expect(sbom.attachedRef).toBeUndefined();
  });

  it("passes registry credentials to every step through the environment only", async () => {
    await attested("auth", { registryCredentials: { username: "alice", password: "reg-pw" } });
    for (const step of ["scan", "attach", "attest", "verify-attestation"]) {
      const command = mocks.named(`auth-${step}`);
      expect(stepEnvironment(command)).toMatchObject({ LAB_REGISTRY_USERNAME: "alice", LAB_REGISTRY_PASSWORD: "reg-pw" });
      expect(holdsSecretInput(command.inputs.environment)).toBe(true);
      expect(scriptOf(command)).not.toContain("reg-pw");
    }
  });

  it("parents its steps to the component", () => {
    const names = registeredUrns()
      .filter((urn) => urn.includes("signed-image-lab:signing:SbomAttestation$command:local:Command::app-"))
      .map((urn) => urn.split("::").pop());
    expect(names.sort()).toEqual(["app-attach", "app-attest", "app-scan", "app-verify-attestation"]);
  });
});
