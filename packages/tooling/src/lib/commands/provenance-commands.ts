import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import {
  attestInvocations,
  manifestFirst,
  verifyAttestationInvocations,
  type ManifestFirstOptions,
  type CosignRefStepOptions,
  type CosignSigningOptions,
  type CosignVerifyingOptions,
  type SignatureFormat,
} from "./cosign-commands.js";
import type { SlsaProvenancePredicate } from "../predicates/provenance.js";
import { expand } from "../core/shell-words.js";
import { STEP_TMP, type StepScript } from "../core/step-script.js";

/**
 * Environment variables of the provenance steps. The predicate is public (it is pushed to the
 * registry inside the attestation), but it travels in the environment like every other input
 * too large or too free-form for argv, and is written to the step's private temporary directory.
 */
export const ProvenanceEnv = {
  /** The SLSA v1 provenance predicate JSON ({@link provenancePredicateEnv}). */
  predicate: "LAB_PROVENANCE_PREDICATE",
} as const;

/** The file the attest step writes the predicate to. */
export const PROVENANCE_PREDICATE_FILE = expand(STEP_TMP, "/provenance.json");

/** The environment that hands `predicate` to {@link attestProvenanceStep}. */
export function provenancePredicateEnv(predicate: SlsaProvenancePredicate): Record<string, string> {
  return { [ProvenanceEnv.predicate]: JSON.stringify(predicate) };
}

/**
 * `cosign attest --type slsaprovenance1` of a digest-pinned image, signed with `keyRef`
 * (`env://COSIGN_PRIVATE_KEY`), the predicate read from LAB_PROVENANCE_PREDICATE: offline with
 * the key alone, or with a signed timestamp (`timestamps`, bundle format only). The step fails
 * when the variable is unset.
 */
export function attestProvenanceStep(
  options: CosignRefStepOptions & CosignSigningOptions & { readonly keyRef: string; readonly format: SignatureFormat },
): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to attest provenance of");
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [
      { argv: ["printenv", ProvenanceEnv.predicate], stdoutTo: PROVENANCE_PREDICATE_FILE },
      ...attestInvocations({ ...options, predicateType: "slsaprovenance1", predicateFile: PROVENANCE_PREDICATE_FILE }),
    ],
  };
}

/**
 * The registry's manifest check ({@link ManifestFirstOptions}), then
 * `cosign verify-attestation --type slsaprovenance1` with the public key from
 * COSIGN_PUBLIC_KEY (or `keyRef`), the same trust options as the SBOM attestation's check. The
 * exit status is the verdict: no provenance from that key fails. With `printStatements` the
 * verified DSSE envelopes are printed (one JSON line each, {@link parseVerifiedStatements}).
 */
export function verifyProvenanceStep(
  options: CosignRefStepOptions &
    CosignVerifyingOptions &
    ManifestFirstOptions & {
      readonly format: SignatureFormat;
      readonly keyRef?: string;
      /** Print the verified envelopes on stdout. Default false: discarded. */
      readonly printStatements?: boolean;
    },
): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image whose provenance to verify");
  const { setup, verify } = verifyAttestationInvocations({ ...options, predicateType: "slsaprovenance1" });
  const { stdoutTo, ...printing } = verify;
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [...manifestFirst(options), ...setup, options.printStatements ? printing : { ...printing, stdoutTo }],
  };
}

/** An in-toto statement as `cosign verify-attestation` verified it. */
export interface VerifiedStatement {
  readonly _type: string;
  readonly predicateType: string;
  readonly subject: readonly { readonly name?: string; readonly digest: Readonly<Record<string, string>> }[];
  readonly predicate: unknown;
}

/**
 * The statements in what `cosign verify-attestation` printed: one DSSE envelope JSON per line,
 * its base64 `payload` the statement. Throws on a line that is not such an envelope.
 */
export function parseVerifiedStatements(stdout: string): VerifiedStatement[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const envelope = JSON.parse(line) as { payload?: unknown };
      if (typeof envelope.payload !== "string") throw new Error(`not a DSSE envelope: ${line.slice(0, 200)}`);
      const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as Partial<VerifiedStatement>;
      if (typeof statement.predicateType !== "string" || !Array.isArray(statement.subject)) {
        throw new Error(`not an in-toto statement: ${JSON.stringify(statement).slice(0, 200)}`);
      }
      return statement as VerifiedStatement;
    });
}
