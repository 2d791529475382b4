import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plain, scriptOf, outputValue, type RecordingMocks } from "../../packages/components/src/testing/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;
let digestRef: string;

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw" }, ["cosignPassword"]));
  digestRef = await outputValue(program.imageDigestRef);
  await outputValue(program.appRef!);
});

describe("the lab program on defaults", () => {
  it("exports from index.ts every output the program returns, as a stack output (admittedRef was missing)", () => {
    const source = readFileSync(join(import.meta.dirname, "index.ts"), "utf8");
    const exported = [...source.matchAll(/^export const (\w+) = lab\.(\w+);$/gm)].map(([, name, from]) => {
      expect(from).toBe(name);
      return name;
    });
    expect(exported.sort()).toEqual(Object.keys(program).sort());
  });

  it("pushes studentbook and pins it by digest", () => {
    expect(digestRef).toMatch(/^localhost:5001\/studentbook@sha256:[a-f0-9]{64}$/);
  });

  it("carries the digest through sign, verify, SBOM and attestation to the app", async () => {
    expect(await outputValue(program.signedRef)).toBe(digestRef);
    expect(await outputValue(program.verifiedRef)).toBe(digestRef);
    expect(await outputValue(program.attestedRef!)).toBe(digestRef);
    expect(await outputValue(program.appRef!)).toBe(digestRef);
    expect(scriptOf(mocks.named("studentbook-sign"))).toContain(`-y ${digestRef}`);
    expect(scriptOf(mocks.named("studentbook-verify"))).toContain(`--output json ${digestRef}`);
    expect(scriptOf(mocks.named("studentbook-scan"))).toContain(`registry:${digestRef}`);
    expect(scriptOf(mocks.named("studentbook-attest"))).toContain(digestRef);
    expect(mocks.named("studentbook-app-image").inputs.name).toBe(digestRef);
  });

  it("registers each step only after the one whose ref it consumes", () => {
    const order = mocks.resources.map((r) => r.name);
    const at = (name: string) => {
      const index = order.indexOf(name);
      expect(index, name).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(at("studentbook-verify")).toBeGreaterThan(at("studentbook-sign"));
    expect(at("studentbook-attest")).toBeGreaterThan(at("studentbook-sign"));
    expect(at("studentbook-attest")).toBeGreaterThan(at("studentbook-scan"));
    expect(at("studentbook-app-image")).toBeGreaterThan(at("studentbook-verify"));
    expect(at("studentbook-app-image")).toBeGreaterThan(at("studentbook-attest"));
  });

  it("exports the inspection, SBOM facts and the app URL", async () => {
    expect((await outputValue(program.imageInspection)).digest).toBe(digestRef.split("@")[1]);
    expect(await outputValue(program.sbomPackageCount)).toBe(42);
    expect(program.images.studentbook?.sbomFile).toMatch(/\.lab\/dev\/studentbook\.spdx\.json$/);
    expect(await outputValue(program.images.studentbook!.verifiedRef)).toBe(digestRef);
    expect(await outputValue(program.appUrl!)).toBe("http://localhost:8090/");
  });

  it("reads its own stack's last outputs for the drift check and exports the record it will read next time", async () => {
    expect(mocks.named("previous-update", "pulumi:pulumi:StackReference").inputs.name).toBe("organization/signed-image-lab/dev");
    const record = await outputValue(program.drift!.studentbook!);
    expect(record.digestRef).toBe(digestRef);
    expect(record.sbomSha256).toMatch(/^[a-f0-9]{64}$/);
    expect(record.repairs).toEqual({ signature: 0, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 });
  });

  it("runs every step as one short command line, its script in the environment (short errors)", () => {
    const commands = mocks.resources.filter((r) => r.type === "command:local:Command");
    expect(commands.length).toBeGreaterThan(8);
    expect(new Set(commands.map((r) => r.inputs.create))).toEqual(new Set(['exec /bin/sh -c "$LAB_STEP_SCRIPT"']));
    expect(commands.every((r) => scriptOf(r).startsWith("set -eu\n"))).toBe(true);
  });

  it("hands each step only the variables it names, never its previous output (a re-run key generation would get the key)", () => {
    const commands = mocks.resources.filter((r) => r.type === "command:local:Command");
    for (const command of commands) {
      expect(command.inputs.addPreviousOutputInEnv, command.name).toBe(false);
      const environment = plain(command.inputs.environment) as Record<string, string>;
      const { LAB_STEP_ENV: names = "", ...handed } = environment;
      expect(names.split(" ").sort(), command.name).toEqual(Object.keys(handed).sort());
    }
  });
});
