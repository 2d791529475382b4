import {
  cosignPredicateType,
  manifestFirst,
  verifyAttestationInvocations,
  verifyStep,
  type CosignRefStepOptions,
  type CosignVerifyingOptions,
  type ManifestFirstOptions,
  type PredicateType,
  type SignatureFormat,
} from "./cosign-commands.js";
import { renderAttestationPolicy, type AttestationPolicyOptions, type AttestationPolicyRule } from "../predicates/attestation-policy.js";
import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import type { SbomFormat } from "../core/sbom-formats.js";
import { expand, type Word } from "../core/shell-words.js";
import { STEP_TMP, type StepScript, type ToolInvocation } from "../core/step-script.js";

/** Environment variables that carry the rendered attestation policy (Rego text, public) into a step. */
export const AttestationPolicyEnv = {
  /** The policy for SLSA provenance attestations. */
  provenance: "LAB_PROVENANCE_POLICY",
  /** The policy for SBOM attestations (SPDX and CycloneDX alike). */
  sbom: "LAB_SBOM_POLICY",
} as const;

function policyEnvName(type: PredicateType): string {
  return type === "slsaprovenance1" ? AttestationPolicyEnv.provenance : AttestationPolicyEnv.sbom;
}

/**
 * The environment that hands the policy, rendered from `options`, to
 * {@link verifyAttestationPolicyStep} and {@link verifyImagePolicyStep}: both modules.
 */
export function attestationPolicyEnv(options: AttestationPolicyOptions): Record<string, string> {
  return {
    [AttestationPolicyEnv.provenance]: renderAttestationPolicy("slsaprovenance1", options),
    [AttestationPolicyEnv.sbom]: renderAttestationPolicy("spdx-json", options),
  };
}

/**
 * Runs `invocation` and, when it fails without a `policy rule … violated` line of the policy's
 * own, adds `policy rule <rule> violated: <what>` to its stderr: a failure always names a rule.
 */
function namingRule(invocation: ToolInvocation, rule: AttestationPolicyRule, what: string, errFile: Word): ToolInvocation {
  const script = [
    "lab_err=$1; lab_rule=$2; lab_what=$3; shift 3",
    'lab_status=0; "$@" 2>"$lab_err" || lab_status=$?',
    'cat "$lab_err" >&2',
    'if [ "$lab_status" -ne 0 ] && ! grep -q "policy rule [a-z-]* violated" "$lab_err"; then echo "policy rule $lab_rule violated: $lab_what" >&2; fi',
    'exit "$lab_status"',
  ].join("\n");
  return { ...invocation, argv: ["sh", "-c", script, "attestation-policy", errFile, rule, what, ...invocation.argv] };
}

/** Options of the policy steps. */
export interface AttestationPolicyStepOptions extends CosignRefStepOptions, CosignVerifyingOptions, ManifestFirstOptions {
  readonly format: SignatureFormat;
  /** The `--key` to verify with. Default the PEM in COSIGN_PUBLIC_KEY. */
  readonly keyRef?: string;
}

/** The commands that check attestations of `type` against the policy in its variable. */
function policyInvocations(options: AttestationPolicyStepOptions, type: PredicateType): ToolInvocation[] {
  const policyFile = expand(STEP_TMP, `/${cosignPredicateType(type)}-policy.rego`);
  const { setup, verify } = verifyAttestationInvocations({ ...options, predicateType: type, policyFiles: [policyFile] });
  return [
    ...setup,
    { argv: ["printenv", policyEnvName(type)], stdoutTo: policyFile },
    namingRule(
      verify,
      "signed-and-attested",
      `no ${cosignPredicateType(type)} attestation of ${options.ref} verified with the trusted key`,
      expand(STEP_TMP, `/${cosignPredicateType(type)}-policy.err`),
    ),
  ];
}

/**
 * `cosign verify-attestation --type <type> --policy <file>`: the attestations of `type` must be
 * signed by the trusted key and pass the policy from LAB_PROVENANCE_POLICY (provenance) or
 * LAB_SBOM_POLICY (SBOM), rendered by {@link attestationPolicyEnv}. A failure prints
 * `policy rule <name> violated: …` for each violated rule; no attestation of `type` from the key
 * is `signed-and-attested`.
 */
export function verifyAttestationPolicyStep(options: AttestationPolicyStepOptions & { readonly type: PredicateType }): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to check against the attestation policy");
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [...manifestFirst(options), ...policyInvocations(options, options.type)],
  };
}

/**
 * The whole policy for one image: the registry serves its manifest (a HEAD by digest, failing
 * closed naming the digest), a valid signature from the trusted key (`cosign verify` and
 * the image-signature claim check), then its SLSA provenance and its SBOM attestation in
 * `sbomFormat`, each from the same key and passing the policy. Stops at the first failure,
 * which names its rule.
 */
export function verifyImagePolicyStep(options: AttestationPolicyStepOptions & { readonly sbomFormat: SbomFormat }): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to check against the attestation policy");
  // Setup (the trusted root written from its variable) keeps its own message; cosign and the claim check name the rule.
  const signature = verifyStep({ ...options, manifestCheck: false }).invocations.map((invocation, i) =>
    invocation.argv[0] === "printenv"
      ? invocation
      : namingRule(
          invocation,
          "signed-and-attested",
          `no signature of ${options.ref} verified with the trusted key`,
          expand(STEP_TMP, `/signature-${i}.err`),
        ),
  );
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [
      ...manifestFirst(options),
      ...signature,
      ...policyInvocations(options, "slsaprovenance1"),
      ...policyInvocations(options, options.sbomFormat),
    ],
  };
}
