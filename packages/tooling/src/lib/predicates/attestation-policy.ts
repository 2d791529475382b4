import { readFileSync } from "node:fs";
import type { PredicateType } from "../core/words.js";

/**
 * The folder of the policy modules (`packages/tooling/policy`, shipped with the tooling package): Rego
 * (v0 syntax) that `cosign verify-attestation --policy` evaluates as `data.signature.allow`.
 */
export const ATTESTATION_POLICY_DIR = new URL("../../../policy/", import.meta.url);

/**
 * The names of the policy's rules, as they appear in a failure (`policy rule <name> violated`):
 * `builder-id` the provenance names the trusted builder; `base-image-pinned` its base image is
 * pinned by digest; `denied-packages` the SBOM lists no denied package; `signed-and-attested`
 * the image has a signature, an SBOM attestation and a provenance attestation from the trusted
 * key; `predicate-type` the statement checked is of the type its rules are for.
 */
export const ATTESTATION_POLICY_RULES = [
  "builder-id",
  "base-image-pinned",
  "denied-packages",
  "signed-and-attested",
  "predicate-type",
] as const;

/** A rule of {@link ATTESTATION_POLICY_RULES}. */
export type AttestationPolicyRule = (typeof ATTESTATION_POLICY_RULES)[number];

/** What the attestation policy is configured with. */
export interface AttestationPolicyOptions {
  /** The builder id provenance must name (`runDetails.builder.id`). Usually `LAB_BUILDER_ID`. */
  readonly builderId: string;
  /**
   * Packages the SBOM must not list: `name` (any version) or `name@version` (that version
   * only); a scoped npm name is `@scope/name` or `@scope/name@version`. Default none.
   */
  readonly deniedPackages?: readonly string[];
}

/** One entry of the deny list as the policy reads it. */
export interface DeniedPackage {
  /** The entry as written, named in the failure message. */
  readonly entry: string;
  readonly name: string;
  /** Absent: every version is denied. */
  readonly version?: string;
}

/** A package name: no whitespace, and an `@` only to open an npm scope (`@scope/name`). */
const PACKAGE_NAME = /^(?:@[^\s@/]+\/[^\s@]+|[^\s@][^\s@]*)$/;

/** Parses a deny-list entry, `name` or `name@version` (`@scope/name[@version]` for scoped npm names). */
export function parseDeniedPackage(entry: string): DeniedPackage {
  const at = entry.indexOf("@", 1);
  const name = at < 0 ? entry : entry.slice(0, at);
  const version = at < 0 ? undefined : entry.slice(at + 1);
  if (!PACKAGE_NAME.test(name) || (version !== undefined && !/^\S+$/.test(version))) {
    throw new Error(`deniedPackages: ${JSON.stringify(entry)} is not a package name or name@version`);
  }
  return version === undefined ? { entry, name } : { entry, name, version };
}

function policyModule(file: string): string {
  return readFileSync(new URL(file, ATTESTATION_POLICY_DIR), "utf8");
}

/**
 * The Rego policy for attestations of `type`: the rule module from {@link ATTESTATION_POLICY_DIR}
 * (`provenance.rego` for `slsaprovenance1`, `sbom.rego` for an SBOM format) with the
 * configuration appended (`builder_id`, or `denied_packages`). JSON values are Rego terms.
 * Throws, naming the option, on a builder id that is not a URI or a malformed deny-list entry.
 */
export function renderAttestationPolicy(type: PredicateType, options: AttestationPolicyOptions): string {
  if (!URL.canParse(options.builderId)) throw new Error(`builderId must be a URI, got ${JSON.stringify(options.builderId.slice(0, 200))}`);
  const denied = (options.deniedPackages ?? []).map(parseDeniedPackage);
  const config =
    type === "slsaprovenance1" ? `builder_id = ${JSON.stringify(options.builderId)}` : `denied_packages = ${JSON.stringify(denied)}`;
  const module = policyModule(type === "slsaprovenance1" ? "provenance.rego" : "sbom.rego");
  return `${module}\n# Configuration, rendered by the lab.\n${config}\n`;
}
