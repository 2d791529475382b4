import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeKeyMaterial, installRecordingMocks, plain, outputValue, type RecordingMocks } from "../test-support/recording-mocks.js";
import { fileSha256, type DriftRecord } from "./drift.js";

const HEX = "7".repeat(64);
let mocks: RecordingMocks;
let module: typeof import("./signing-pipeline.js");
let registry: Server;
let host: string;
const workDir = mkdtempSync(join(tmpdir(), "pipeline-drift-"));
/** The registry stand-in holds the signature and the attachment; the attestation is gone. */
const held = new Set([`sha256-${HEX}.sig`, `sha256-${HEX}.sbom`]);

beforeAll(async () => {
  registry = createServer((req, res) => res.writeHead(held.has(req.url?.split("/").pop() ?? "") ? 200 : 404).end());
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  mocks = await installRecordingMocks();
  module = await import("./signing-pipeline.js");
});
afterAll(() => {
  registry.close();
  rmSync(workDir, { recursive: true, force: true });
});

const triggersOf = (name: string) => plain(mocks.named(name).inputs.triggers) as unknown[];

/** A pipeline over an image already in the stand-in registry, with the last update's drift record. */
async function checked(name: string, ref: string, previous: DriftRecord) {
  const pipeline = new module.SigningPipeline(name, {
    registry: { endpoint: host },
    image: { kind: "existing", ref },
    key: fakeKeyMaterial(),
    workDir,
    drift: { previous },
  });
  const record = await outputValue(pipeline.driftRecord);
  await outputValue(pipeline.attestedRef!);
  return record;
}

describe("SigningPipeline drift check", () => {
  it("re-runs attest and its verification, and nothing else, when only the attestation is gone", async () => {
    const ref = `${host}/team/app@sha256:${HEX}`;
    writeFileSync(join(workDir, "app.spdx.json"), "{}");
    const previous: DriftRecord = {
      digestRef: ref,
      sbomSha256: fileSha256(join(workDir, "app.spdx.json")),
      repairs: { signature: 4, attestation: 1, attachment: 0, sbomFile: 0, ociArchive: 0 },
    };
    const record = await checked("app", ref, previous);
    expect(record.repairs).toEqual({ signature: 4, attestation: 2, attachment: 0, sbomFile: 0, ociArchive: 0 });
    expect(record.digestRef).toBe(ref);
    expect(triggersOf("app-sign").at(-1)).toBe(4);
    expect(triggersOf("app-verify").at(-1)).toBe(4);
    expect(triggersOf("app-attest").at(-1)).toBe(2);
    expect(triggersOf("app-verify-attestation").at(-1)).toBe(2);
    expect(triggersOf("app-attach").at(-1)).toBe(0);
    expect(triggersOf("app-scan").at(-1)).toBe(0);
  });

  it("re-scans when the SBOM file no longer holds what the last update recorded", async () => {
    const ref = `${host}/team/other@sha256:${HEX}`;
    const previous: DriftRecord = {
      digestRef: ref,
      sbomSha256: "0".repeat(64),
      repairs: { signature: 0, attestation: 0, attachment: 0, sbomFile: 0, ociArchive: 0 },
    };
    expect((await checked("other", ref, previous)).repairs.sbomFile).toBe(1);
    expect(triggersOf("other-scan").at(-1)).toBe(1);
  });

  it("re-makes the OCI archive, and nothing else, when the file no longer holds what the last update recorded", async () => {
    const ref = `${host}/team/third@sha256:${HEX}`;
    writeFileSync(join(workDir, "third.spdx.json"), "{}");
    writeFileSync(join(workDir, "third.oci.tar"), "changed since");
    const previous: DriftRecord = {
      digestRef: ref,
      sbomSha256: fileSha256(join(workDir, "third.spdx.json")),
      ociArchiveSha256: "0".repeat(64),
      repairs: { signature: 0, attestation: 3, attachment: 0, sbomFile: 0, ociArchive: 0 },
    };
    const record = await checked("third", ref, previous);
    expect(record.repairs).toEqual({ signature: 0, attestation: 4, attachment: 0, sbomFile: 0, ociArchive: 1 });
    expect(triggersOf("third-archive")).toEqual([ref, 1]);
    expect(triggersOf("third-scan").at(-1)).toBe(0);
    expect(triggersOf("third-sign").at(-1)).toBe(0);
    // What the archive step reports is what the next update's drift check compares with.
    expect(record.ociArchiveSha256).toMatch(/^[a-f0-9]{64}$/);
  });
});
