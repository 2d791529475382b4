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

const DOMAIN_COMPONENT = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;

/** A registry host as the lab accepts it: `host[:port]`, host a DNS name, IPv4 or bracketed IPv6 (distribution's grammar). */
export const REGISTRY_HOST = new RegExp(`^${HOST}$`);

/**
 * An image reference by distribution's grammar: `[host[:port]/]path[:tag][@sha256:…]`, lower-case
 * path components. Nothing that starts with `-`, holds a quote, white space or a shell character.
 */
export const IMAGE_REFERENCE = new RegExp(`^(?:${HOST}/)?${PATH}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

/** A reference `host[:port]/path@sha256:…` with its registry host named, pinned by digest. */
export const DIGEST_REFERENCE = new RegExp(`^${HOST}/${PATH}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$`);

/** True for `host[:port]` by {@link REGISTRY_HOST} with a port of at most 65535. */
export function isRegistryHost(value: string): boolean {
  const port = /:([0-9]+)$/.exec(value)?.[1];
  return REGISTRY_HOST.test(value) && (port === undefined || Number(port) <= 65535);
}
