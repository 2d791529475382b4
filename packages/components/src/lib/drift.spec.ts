import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDrift, fileSha256, manifestRepairs, presenceWithLocalFiles, presenceWithSbomFile, type DriftRecord } from "./drift.js";

const REF = `localhost:5001/app@sha256:${"1".repeat(64)}`;
const previous: DriftRecord = {
  digestRef: REF,
  sbomSha256: "f".repeat(64),
  repairs: { signature: 2, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 },
};

describe("checkDrift", () => {
  it("bumps the repair count of exactly what is gone, for the digest the last update finished", () => {
    const result = checkDrift(previous, REF, ["signature", "attestation", "sbomFile"], {
      signature: false,
      attestation: true,
      sbomFile: true,
    });
    expect(result.lost).toEqual(["signature"]);
    expect(result.repairs).toEqual({ signature: 3, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 });
  });

  it("keeps the counts when everything is there, so an update without drift changes nothing", () => {
    const result = checkDrift(previous, REF, ["signature", "attestation"], { signature: true, attestation: true });
    expect(result).toEqual({ lost: [], repairs: { ...previous.repairs, manifest: 0, tag: 0 } });
  });

  it("never counts what the registry could not tell, nor what was not expected", () => {
    expect(checkDrift(previous, REF, ["signature"], { attachment: false }).lost).toEqual([]);
  });

  it("leaves a new digest (first update, rebuilt image) to the steps its digest triggers", () => {
    expect(checkDrift(undefined, REF, ["signature"], { signature: false })).toEqual({
      lost: [],
      repairs: { signature: 0, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 },
    });
    expect(checkDrift(previous, REF.replace(/1+$/, "2".repeat(64)), ["signature"], { signature: false }).lost).toEqual([]);
  });
});

describe("a lost manifest", () => {
  it("raises the manifest count only when the registry said 404 for the last update's digest", () => {
    expect(manifestRepairs(previous, false)).toBe(1);
    expect(manifestRepairs({ ...previous, repairs: { ...previous.repairs, manifest: 2 } }, false)).toBe(3);
    expect(manifestRepairs(previous, true)).toBe(0);
    expect(manifestRepairs(previous, undefined)).toBe(0);
    expect(manifestRepairs(undefined, false)).toBe(0);
  });

  it("makes again what the registry held beside it, even where its tags were left, once pushed again", () => {
    const result = checkDrift(previous, REF, ["signature", "attestation", "attachment", "sbomFile", "tag"], {
      manifest: false,
      signature: true,
      attestation: true,
      attachment: true,
      sbomFile: true,
      tag: true,
    });
    expect(result.lost).toEqual(["manifest", "signature", "attestation", "attachment"]);
    expect(result.repairs).toEqual({ signature: 3, attestation: 1, attachment: 1, sbomFile: 0, manifest: 1, tag: 0, ociArchive: 0 });
  });

  it("keeps the raised count when the image pushed again came out with a new digest (the whole chain re-runs for it)", () => {
    const rebuilt = checkDrift(previous, REF.replace(/1+$/, "2".repeat(64)), ["signature"], { manifest: false, signature: false });
    expect(rebuilt).toEqual({ lost: ["manifest"], repairs: { ...previous.repairs, manifest: 1, tag: 0 } });
  });

  it("counts a moved tag as lost", () => {
    expect(checkDrift(previous, REF, ["tag"], { tag: false })).toMatchObject({ lost: ["tag"], repairs: { tag: 1 } });
  });
});

describe("a drift record from before the OCI archive", () => {
  it("starts the archive's count at 0 and cannot tell whether an archive it never recorded is there", () => {
    const before = { digestRef: REF, sbomSha256: "f".repeat(64), repairs: { signature: 2, attestation: 0, attachment: 0, sbomFile: 0 } };
    const present = presenceWithLocalFiles({}, { sbomFile: "/nonexistent/a", ociArchiveFile: "/nonexistent/b" }, before);
    expect(present.ociArchive).toBeUndefined();
    expect(checkDrift(before as unknown as DriftRecord, REF, ["ociArchive"], present)).toEqual({
      lost: [],
      repairs: { signature: 2, attestation: 0, attachment: 0, sbomFile: 0, manifest: 0, tag: 0, ociArchive: 0 },
    });
  });
});

describe("presenceWithLocalFiles", () => {
  it("counts the OCI archive present only while it holds the sha256 the update recorded", () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-"));
    try {
      const files = { sbomFile: join(dir, "app.spdx.json"), ociArchiveFile: join(dir, "app.oci.tar") };
      writeFileSync(files.sbomFile, "{}");
      writeFileSync(files.ociArchiveFile, "tar");
      const recorded = { sbomSha256: fileSha256(files.sbomFile), ociArchiveSha256: fileSha256(files.ociArchiveFile) };
      expect(presenceWithLocalFiles({ signature: true }, files, recorded)).toEqual({ signature: true, sbomFile: true, ociArchive: true });
      writeFileSync(files.ociArchiveFile, "another tar");
      expect(presenceWithLocalFiles({}, files, recorded).ociArchive).toBe(false);
      rmSync(files.ociArchiveFile);
      expect(presenceWithLocalFiles({}, files, recorded)).toEqual({ sbomFile: true, ociArchive: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("presenceWithSbomFile", () => {
  it("counts the SBOM file present only while it holds the sha256 the update recorded", () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-"));
    try {
      const file = join(dir, "app.spdx.json");
      writeFileSync(file, "{}");
      const sha = fileSha256(file)!;
      expect(presenceWithSbomFile({ signature: true }, file, sha)).toEqual({ signature: true, sbomFile: true });
      writeFileSync(file, "{ }");
      expect(presenceWithSbomFile({}, file, sha).sbomFile).toBe(false);
      rmSync(file);
      expect(presenceWithSbomFile({}, file, sha).sbomFile).toBe(false);
      expect(presenceWithSbomFile({}, file, undefined).sbomFile).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
