/**
 * Image references. Signing, attesting and scanning take digest-pinned references only:
 * a tag can move between two steps, a digest cannot.
 */

/** A reference pinned by digest, split into its parts. */
export interface DigestRef {
  /** `host[:port]/path`, without tag or digest. */
  readonly repository: string;
  /** `sha256:` followed by 64 hex digits. */
  readonly digest: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Parses `repo@sha256:…`. Throws, naming `what`, for a tag reference or a malformed digest.
 * A reference that carries both a tag and a digest (`repo:tag@sha256:…`) keeps the digest and
 * drops the tag, which is what registries resolve anyway.
 */
export function parseDigestRef(ref: string, what = "image reference"): DigestRef {
  const at = ref.lastIndexOf("@");
  if (at < 0) {
    throw new Error(`${what} must be pinned by digest (repo@sha256:…), got "${ref}"`);
  }
  const digest = ref.slice(at + 1);
  if (!DIGEST.test(digest)) {
    throw new Error(`${what} has a malformed digest "${digest}" (want sha256: and 64 hex digits)`);
  }
  let repository = ref.slice(0, at);
  const lastSlash = repository.lastIndexOf("/");
  const tagColon = repository.lastIndexOf(":");
  if (tagColon > lastSlash) {
    repository = repository.slice(0, tagColon);
  }
  if (repository.length === 0) {
    throw new Error(`${what} has no repository: "${ref}"`);
  }
  return { repository, digest };
}

/** `repo@sha256:…` for the parts. */
export function formatDigestRef(ref: DigestRef): string {
  return `${ref.repository}@${ref.digest}`;
}

/** The registry host (with port) of a repository or reference, e.g. `localhost:5001`. */
export function registryHostOf(refOrRepository: string): string {
  const slash = refOrRepository.indexOf("/");
  if (slash < 0) {
    throw new Error(`"${refOrRepository}" names no registry host`);
  }
  return refOrRepository.slice(0, slash);
}

/**
 * The tag cosign's legacy format stores an artifact under: `sha256-<hex>.<suffix>`, in the same
 * repository. This is what `cosign triangulate` prints.
 */
export function legacyArtifactRef(ref: DigestRef, suffix: "sig" | "att" | "sbom"): string {
  return `${ref.repository}:${ref.digest.replace(":", "-")}.${suffix}`;
}
