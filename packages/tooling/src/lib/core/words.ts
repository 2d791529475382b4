import type { SbomFormat } from "./sbom-formats.js";

// The lab's words, on the ground floor: config, commands, predicates and the pipeline all stand
// on them (the command modules re-export the ones that name a tool's option).

/**
 * Where cosign writes signatures: `legacy` is the `sha256-<hex>.sig` tag that `cosign
 * triangulate` and containers/image (skopeo, podman) read; `bundle` is the Sigstore bundle
 * stored as an OCI 1.1 referrer, cosign v3's default.
 */
export type SignatureFormat = "legacy" | "bundle";

/**
 * What anchors a signature beyond the key: `off` nothing (the key alone, offline), `timestamps`
 * a signed RFC 3161 timestamp from the lab's timestamp authority, `timestamps+log` also an entry
 * in a transparency log (not available yet).
 */
export type Transparency = "off" | "timestamps" | "timestamps+log";

/**
 * What the lab attests: an SBOM in one of {@link SbomFormat}, or SLSA provenance v1
 * (`slsaprovenance1`, https://slsa.dev/provenance/v1).
 */
export type PredicateType = SbomFormat | "slsaprovenance1";

/** Which layers syft catalogs: `all-layers` (the seed's choice) or the final `squashed` view. */
export type SbomScope = "all-layers" | "squashed";
