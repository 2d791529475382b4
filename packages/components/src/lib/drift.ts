import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { NO_REPAIRS, type ArtifactPresence, type Repairable } from "@signed-image-lab/tooling";

export type { Repairable };

/**
 * The drift record of one image, exported as a stack output and read back by the next update:
 * the digest it describes, the SBOM's sha256, and per repairable thing a repair count. A step
 * takes its count as a trigger, so bumping the count re-runs exactly that step (and its
 * verification); an unchanged count changes nothing, so a lab without drift stays 0 changes.
 */
export interface DriftRecord {
  readonly digestRef: string;
  readonly sbomSha256?: string;
  /** The OCI archive's sha256 (undefined before the lab made archives). */
  readonly ociArchiveSha256?: string;
  /** A count per repairable thing; a record from an earlier version of the lab lacks the newer ones (0). */
  readonly repairs: Readonly<Partial<Record<Repairable, number>>>;
}

/** What a check found: which of the expected things are gone, and the record the update carries on. */
export interface DriftCheck {
  readonly lost: readonly Repairable[];
  readonly repairs: Readonly<Record<Repairable, number>>;
}

/** What the registry holds of a digest beside its manifest: made again whenever the manifest was. */
const HELD_WITH_MANIFEST: readonly Repairable[] = ["signature", "attestation", "attachment"];

/**
 * The manifest's repair count, decided before the image is registered (it is the image's
 * replacement trigger, so a new count pushes the image again): the last update's count, plus one
 * when the registry no longer serves the manifest of the digest that update finished (`served`
 * false; `undefined` = could not tell, never counted).
 */
export function manifestRepairs(previous: DriftRecord | undefined, served: boolean | undefined): number {
  return (previous?.repairs.manifest ?? 0) + (previous !== undefined && served === false ? 1 : 0);
}

/**
 * Compares what should exist (`expected`) with what was found (`present`; `undefined` = could
 * not tell, never counted as lost). `present.manifest` is the answer about the previous
 * update's digest, asked before the image was pushed: a lost manifest is pushed again, and what
 * the registry held beside it (signature, attestations, attachment) is made again too, even
 * where tags of it are left, since they were made for an image the registry had lost. Otherwise
 * only an image the previous update already finished (same digest) can have drifted: a new
 * digest is signed and attested anyway, so its counts stay.
 */
export function checkDrift(
  previous: DriftRecord | undefined,
  digestRef: string,
  expected: readonly Repairable[],
  present: Partial<Record<Repairable, boolean>>,
): DriftCheck {
  const repairs: Record<Repairable, number> = { ...NO_REPAIRS, ...previous?.repairs };
  repairs.manifest = manifestRepairs(previous, present.manifest);
  const manifestLost = repairs.manifest !== (previous?.repairs.manifest ?? 0);
  if (previous?.digestRef !== digestRef) return { lost: manifestLost ? ["manifest"] : [], repairs };
  const lost = expected.filter(
    (thing) => thing !== "manifest" && (present[thing] === false || (manifestLost && HELD_WITH_MANIFEST.includes(thing))),
  );
  for (const thing of lost) repairs[thing] = (repairs[thing] ?? 0) + 1;
  return { lost: manifestLost ? ["manifest", ...lost] : lost, repairs };
}

/** The sha256 (hex) of a file, or undefined when it cannot be read. */
export function fileSha256(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

/** Whether `file` still holds `sha256`; undefined (cannot tell) without a recorded sha256. */
function fileHolds(file: string, sha256: string | undefined): boolean | undefined {
  return sha256 === undefined ? undefined : fileSha256(file) === sha256;
}

/** Presence as {@link checkDrift} takes it: registry artifacts plus whether the SBOM file still holds `sbomSha256`. */
export function presenceWithSbomFile(
  registry: ArtifactPresence,
  sbomFile: string,
  sbomSha256: string | undefined,
): Partial<Record<Repairable, boolean>> {
  return { ...registry, sbomFile: fileHolds(sbomFile, sbomSha256) };
}

/** {@link presenceWithSbomFile}, plus whether the OCI archive still holds `ociArchiveSha256`. */
export function presenceWithLocalFiles(
  registry: ArtifactPresence,
  files: { readonly sbomFile: string; readonly ociArchiveFile: string },
  previous: Pick<DriftRecord, "sbomSha256" | "ociArchiveSha256">,
): Partial<Record<Repairable, boolean>> {
  return {
    ...presenceWithSbomFile(registry, files.sbomFile, previous.sbomSha256),
    ociArchive: fileHolds(files.ociArchiveFile, previous.ociArchiveSha256),
  };
}
