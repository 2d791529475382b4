import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeKeyMaterial, installRecordingMocks, plain, outputValue, type RecordingMocks } from "../testing/recording-mocks.js";
import { fileSha256, type DriftRecord } from "./drift.js";

const HEX = "7".repeat(64);
let mocks: RecordingMocks;
let module: typeof import("./signing-pipeline.js");
let registry: Server;
let host: string;
const workDir = mkdtempSync(join(tmpdir(), "pipeline-drift-"));
/** The registry stand-in holds the signature and the attachment; the attestation is gone. */
const held = new Set([`sha256-${HEX}.sig`, `sha256-${HEX}.sbom`]);
/** The digest the stand-in says it serves under a reference (`Docker-Content-Digest`). */
const answered = new Map<string, string>();

beforeAll(async () => {
  registry = createServer((req, res) => {
    const reference = req.url?.split("/").pop() ?? "";
    const digest = answered.get(reference);
    res.writeHead(held.has(reference) ? 200 : 404, digest ? { "Docker-Content-Digest": digest } : {}).end();
  });
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
    expect(record.repairs).toEqual({ signature: 4, attestation: 2, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 });
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
    expect(record.repairs).toEqual({ signature: 0, attestation: 4, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 1 });
    expect(triggersOf("third-archive")).toEqual([ref, 1]);
    expect(triggersOf("third-scan").at(-1)).toBe(0);
    expect(triggersOf("third-sign").at(-1)).toBe(0);
    // What the archive step reports is what the next update's drift check compares with.
    expect(record.ociArchiveSha256).toMatch(/^[a-f0-9]{64}$/);
  });
});

describe("SigningPipeline drift check of the image itself", () => {
  const CONTEXT = join(import.meta.dirname, "../../../studentbook");

  /** A built image in the stand-in registry; the mocks give the same digest for the same build inputs. */
  async function built(name: string, previous?: DriftRecord) {
    const pipeline = new module.SigningPipeline(name, {
      registry: { endpoint: host },
      image: { kind: "build", repository: "built", tag: "1.0", context: CONTEXT },
      key: fakeKeyMaterial(),
      workDir,
      drift: previous ? { previous } : undefined,
    });
    const [record] = await Promise.all([
      outputValue(pipeline.driftRecord),
      outputValue(pipeline.admittedRef),
      outputValue(pipeline.tagRef!),
    ]);
    return record;
  }

  it("pushes the image again when the registry lost its manifest, then signs, attests and attaches it again and puts its tag back", async () => {
    const first = await built("built-first");
    const digest = first.digestRef.split("@")[1] ?? "";
    held.delete(digest);
    const previous: DriftRecord = {
      digestRef: first.digestRef,
      sbomSha256: first.sbomSha256,
      // A record of an earlier version of the lab: no manifest or tag counts yet.
      repairs: { signature: 1, attestation: 0, attachment: 0, sbomFile: 0 },
    };
    const record = await built("built-lost", previous);
    expect(record.digestRef).toBe(first.digestRef);
    expect(record.repairs).toMatchObject({ manifest: 1, signature: 2, attestation: 1, attachment: 1, tag: 1 });
    expect(triggersOf("built-lost-sign").at(-1)).toBe(2);
    expect(triggersOf("built-lost-verify").at(-1)).toBe(2);
    expect(triggersOf("built-lost-attest").at(-1)).toBe(1);
    expect(triggersOf("built-lost-tag")).toEqual([first.digestRef, "1.0", 1]);
    expect(mocks.named("built-lost-tag").inputs.environment.LAB_STEP_SCRIPT).toContain(`restore-tag http://${host} built ${digest} 1.0`);
  });

  it("puts a moved tag back and re-makes nothing else when the registry still holds the image and its artifacts", async () => {
    const first = await built("moved-first");
    const digest = first.digestRef.split("@")[1] ?? "";
    const tagOf = (suffix: string) => `${digest.replace(":", "-")}.${suffix}`;
    for (const reference of [digest, tagOf("sig"), tagOf("att"), tagOf("sbom"), "1.0"]) held.add(reference);
    answered.set("1.0", `sha256:${"9".repeat(64)}`);
    const repairs = { signature: 0, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 3 };
    const record = await built("moved", { digestRef: first.digestRef, sbomSha256: first.sbomSha256, repairs });
    expect(record.repairs).toEqual({ ...repairs, sbomFile: record.repairs.sbomFile, tag: 4, ociArchive: 0 });
    expect(triggersOf("moved-tag").at(-1)).toBe(4);
    expect(triggersOf("moved-sign").at(-1)).toBe(0);
    answered.set("1.0", digest);
    const again = await built("moved-again", { ...record, digestRef: first.digestRef });
    expect(again.repairs.tag).toBe(4);
  });
});
