import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { SBOM_FORMATS, type SbomFormat } from "../core/sbom-formats.js";
import { expand, type Word } from "../core/shell-words.js";
import { manifestServedInvocation } from "./manifest-commands.js";
import { sbomUnchangedInvocation } from "./syft-commands.js";
import { PublicEnv, SecretEnv, STEP_TMP, type StepScript, type ToolInvocation } from "../core/step-script.js";
import { SIGNING_CONFIG_FILE, TRUSTED_ROOT_FILE, writeSigningConfig, writeTrustedRoot } from "./timestamp-commands.js";
export type { PredicateType, SignatureFormat, Transparency } from "../core/words.js";
import type { PredicateType, SignatureFormat } from "../core/words.js";

/** cosign reads the private key PEM from this variable: the key never touches the disk. */
export const PRIVATE_KEY_FROM_ENV = `env://${SecretEnv.cosignPrivateKey}`;
/** cosign reads the public key PEM from this variable. */
export const PUBLIC_KEY_FROM_ENV = `env://${PublicEnv.cosignPublicKey}`;

/** Options shared by every cosign step. */
export interface CosignStepOptions {
  /** The cosign binary. Default `cosign` on PATH. */
  readonly cosign?: string;
}

/** Options of a step that writes to the registry holding `ref`. */
export interface CosignRefStepOptions extends CosignStepOptions, CosignRegistryTlsOptions {
  /** The image, pinned by digest. */
  readonly ref: string;
}

/**
 * Flags that keep signing offline with a key: no transparency-log upload, no signing config
 * fetched from the public TUF repository, and the chosen storage format.
 */
export function offlineSigningFlags(format: SignatureFormat): string[] {
  return ["--tlog-upload=false", "--use-signing-config=false", `--new-bundle-format=${format === "bundle"}`];
}

/**
 * Signing with a signed timestamp from the lab's timestamp authority (RFC 3161): cosign signs
 * through a signing config that names only that TSA, with the lab's trusted root from
 * LAB_TRUSTED_ROOT. cosign takes a signing config in the bundle format only.
 */
export interface TimestampSigning {
  /** The TSA's timestamp endpoint, `http://127.0.0.1:<port>/api/v1/timestamp`. */
  readonly tsaUrl: string;
  /** The lab's Rekor v2 log, `http://127.0.0.1:<port>` (`timestamps+log`): every signature is also logged there. Default none. */
  readonly logUrl?: string;
}

/** Options of a step that signs: with a timestamp, or offline with the key alone. */
export interface CosignSigningOptions {
  /** Default none: no timestamp (the key alone; nothing says when it signed). */
  readonly timestamps?: TimestampSigning;
}

/** Options of a step that verifies. */
export interface CosignVerifyingOptions {
  /**
   * Require a signed timestamp from a TSA of the lab's trusted root (LAB_TRUSTED_ROOT):
   * `--trusted-root` with `--use-signed-timestamps`. A signature without one, or with one from
   * another authority, fails. Default false.
   */
  readonly signedTimestamps?: boolean;
  /**
   * Require an entry in a transparency log of the trusted root (`timestamps+log`): no
   * `--insecure-ignore-tlog`. A signature missing from the log, or logged by a log whose key the
   * trusted root does not hold, fails. Needs `signedTimestamps`. Default false.
   */
  readonly transparencyLog?: boolean;
}

/** The flags and setup commands of a signing step (sign or attest). */
function signingSetup(
  cosign: string,
  format: SignatureFormat,
  options: CosignSigningOptions,
  what: string,
): { setup: ToolInvocation[]; flags: Word[] } {
  if (!options.timestamps) return { setup: [], flags: offlineSigningFlags(format) };
  if (format !== "bundle") {
    throw new Error(`${what} with a signed timestamp needs the bundle signature format (cosign takes a signing config only with bundles)`);
  }
  return {
    setup: [writeTrustedRoot(), writeSigningConfig({ tsaUrl: options.timestamps.tsaUrl, logUrl: options.timestamps.logUrl, cosign })],
    flags: ["--signing-config", SIGNING_CONFIG_FILE, "--trusted-root", TRUSTED_ROOT_FILE, "--new-bundle-format=true"],
  };
}

/**
 * The flags and setup commands of a verifying step: `--insecure-ignore-tlog` unless a
 * transparency log is required (offline there is no public log to ask).
 */
function verifyingSetup(options: CosignVerifyingOptions): { setup: ToolInvocation[]; flags: Word[] } {
  if (options.transparencyLog && !options.signedTimestamps)
    throw new Error("requiring a transparency log needs signedTimestamps (the lab's trusted root)");
  const tlog = options.transparencyLog ? [] : ["--insecure-ignore-tlog"];
  if (!options.signedTimestamps) return { setup: [], flags: tlog };
  return { setup: [writeTrustedRoot()], flags: [...tlog, "--trusted-root", TRUSTED_ROOT_FILE, "--use-signed-timestamps"] };
}

/** Trust for a registry that serves TLS with a certificate from a private CA. */
export interface CosignRegistryTlsOptions {
  /**
   * PEM file of the CA that signed the registry's certificate (`--registry-cacert`): cosign
   * trusts it for the registry only, without insecure flags and without replacing the system
   * roots (as SSL_CERT_FILE would). Default none: the system roots.
   */
  readonly registryCaFile?: string;
}

function registryTlsFlags(options: CosignRegistryTlsOptions): string[] {
  return options.registryCaFile ? ["--registry-cacert", options.registryCaFile] : [];
}

function registryOf(ref: string, what: string): string {
  return registryHostOf(parseDigestRef(ref, what).repository);
}

/**
 * `cosign generate-key-pair` in the step's private temporary directory, then both PEMs on
 * stdout (private key first). The password comes from COSIGN_PASSWORD; the files are removed
 * when the step ends.
 */
export function generateKeyPairStep(options: CosignStepOptions = {}): StepScript {
  const cosign = options.cosign ?? "cosign";
  return {
    invocations: [
      { argv: [cosign, "generate-key-pair", "--output-key-prefix", expand(STEP_TMP, "/cosign")], stdoutTo: "/dev/null" },
      { argv: ["cat", expand(STEP_TMP, "/cosign.key"), expand(STEP_TMP, "/cosign.pub")] },
    ],
  };
}

/** `cosign public-key`: the public key PEM of `keyRef` (env://, a KMS URI, or a file). */
export function publicKeyStep(options: CosignStepOptions & { readonly keyRef: string }): StepScript {
  return { invocations: [{ argv: [options.cosign ?? "cosign", "public-key", "--key", options.keyRef] }] };
}

/**
 * `cosign sign` of a digest-pinned reference: offline with the key alone, or (with
 * `timestamps`) with a signed timestamp from the lab's TSA and nothing else.
 */
export function signStep(
  options: CosignRefStepOptions & CosignSigningOptions & { readonly keyRef: string; readonly format: SignatureFormat },
): StepScript {
  const cosign = options.cosign ?? "cosign";
  const { setup, flags } = signingSetup(cosign, options.format, options, "signing");
  return {
    registryHost: registryOf(options.ref, "the image to sign"),
    subject: options.ref,
    invocations: [...setup, { argv: [cosign, "sign", "--key", options.keyRef, ...flags, ...registryTlsFlags(options), "-y", options.ref] }],
  };
}

/**
 * Checks the claims `cosign verify --output json` printed (file in argv[1]) for a cosign image
 * signature of the digest in argv[2] — `cosign container image signature` in the legacy format,
 * `https://sigstore.dev/cosign/sign/v1` in the bundle format — then prints them. cosign v3 also counts a key-signed
 * attestation in the bundle format as a verified signature; an SBOM attestation is not a
 * signature of the image, so the step fails unless a real one is among the claims.
 */
const SIGNATURE_CLAIM_CHECK_SCRIPT = [
  'const fs = require("fs"); const [file, digest] = process.argv.slice(1);',
  'let claims; try { claims = JSON.parse(fs.readFileSync(file, "utf8")); } catch { claims = undefined; }',
  'const types = ["cosign container image signature", "https://sigstore.dev/cosign/sign/v1"];',
  'const signed = Array.isArray(claims) && claims.some((c) => types.includes(c?.critical?.type) && c.critical.image?.["docker-manifest-digest"] === digest);',
  "if (!signed) { console.error(`no cosign image signature of ${digest} among the verified claims (an attestation alone does not make a signed image)`); process.exit(1); }",
  'process.stdout.write(JSON.stringify(claims) + "\\n");',
].join(" ");

/** Options of a verify step about its first command. */
export interface ManifestFirstOptions {
  /**
   * First confirm (a HEAD by digest) that the registry serves the image's manifest, failing
   * closed, naming the digest, when it does not: cosign verifies a digest's signatures without
   * fetching the manifest. Default true; false only where the caller already checked it.
   */
  readonly manifestCheck?: boolean;
  /** The node binary of the manifest check. Default `node` on PATH. */
  readonly node?: string;
}

/** The manifest check a verify step starts with, unless the caller already ran it. */
export function manifestFirst(options: CosignRefStepOptions & ManifestFirstOptions): ToolInvocation[] {
  return options.manifestCheck === false
    ? []
    : [manifestServedInvocation({ ref: options.ref, registryCaFile: options.registryCaFile, node: options.node })];
}

/**
 * The registry's manifest check (see {@link ManifestFirstOptions}), then `cosign verify` with
 * the public key from COSIGN_PUBLIC_KEY, no transparency log offline, then a check that a
 * verified claim is an image signature of this very digest. Exits non-zero (and so fails the
 * step) otherwise.
 */
export function verifyStep(
  options: CosignRefStepOptions &
    CosignVerifyingOptions &
    ManifestFirstOptions & {
      readonly format: SignatureFormat;
      /** The `--key` to verify with. Default the PEM in COSIGN_PUBLIC_KEY; a KMS URI works too. */
      readonly keyRef?: string;
    },
): StepScript {
  const { repository, digest } = parseDigestRef(options.ref, "the image to verify");
  const claims = expand(STEP_TMP, "/claims.json");
  const { setup, flags } = verifyingSetup(options);
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [
      ...manifestFirst(options),
      ...setup,
      {
        argv: [
          options.cosign ?? "cosign",
          "verify",
          "--key",
          options.keyRef ?? PUBLIC_KEY_FROM_ENV,
          ...flags,
          `--new-bundle-format=${options.format === "bundle"}`,
          ...registryTlsFlags(options),
          "--output",
          "json",
          options.ref,
        ],
        stdoutTo: claims,
      },
      { argv: [options.node ?? "node", "-e", SIGNATURE_CLAIM_CHECK_SCRIPT, claims, digest] },
    ],
  };
}

/** `cosign triangulate`: the tag the legacy signature is stored under. */
export function triangulateStep(options: CosignRefStepOptions): StepScript {
  return {
    registryHost: registryOf(options.ref, "the image to triangulate"),
    subject: options.ref,
    invocations: [{ argv: [options.cosign ?? "cosign", "triangulate", "--type", "signature", ...registryTlsFlags(options), options.ref] }],
  };
}

/**
 * `cosign attach sbom`, the seed's step 3.2. Deprecated in cosign (an unsigned `.sbom` tag);
 * kept for the lab, with the signed attestation beside it.
 */
export function attachSbomStep(
  options: CosignRefStepOptions & {
    readonly sbomFile: string;
    readonly sbomFormat: SbomFormat;
    /** The sha256 the scan reported: the step refuses a file that changed since. */
    readonly sbomSha256: string;
  },
): StepScript {
  return {
    registryHost: registryOf(options.ref, "the image to attach an SBOM to"),
    subject: options.ref,
    invocations: [
      sbomUnchangedInvocation(options.sbomFile, options.sbomSha256),
      {
        argv: [
          options.cosign ?? "cosign",
          "attach",
          "sbom",
          "--sbom",
          options.sbomFile,
          "--type",
          SBOM_FORMATS[options.sbomFormat].attachType,
          "--input-format",
          "json",
          ...registryTlsFlags(options),
          options.ref,
        ],
      },
    ],
  };
}

/** `cosign download sbom`: the attached SBOM on stdout. */
export function downloadSbomStep(options: CosignRefStepOptions): StepScript {
  return {
    registryHost: registryOf(options.ref, "the image to download an SBOM of"),
    subject: options.ref,
    invocations: [{ argv: [options.cosign ?? "cosign", "download", "sbom", ...registryTlsFlags(options), options.ref] }],
  };
}

/** cosign's `--type` for a {@link PredicateType}. */
export function cosignPredicateType(type: PredicateType): string {
  return type === "slsaprovenance1" ? type : SBOM_FORMATS[type].attestType;
}

/** Options of {@link attestInvocations}. */
export interface AttestOptions extends CosignRefStepOptions, CosignSigningOptions {
  readonly keyRef: string;
  readonly predicateType: PredicateType;
  /** The predicate JSON file: a path, or a file in the step's temporary directory. */
  readonly predicateFile: Word;
  readonly format: SignatureFormat;
}

/**
 * The commands of `cosign attest` of one predicate: signing setup (trusted root and signing
 * config with `timestamps`), then the attestation, offline with the key otherwise.
 */
export function attestInvocations(options: AttestOptions): ToolInvocation[] {
  const cosign = options.cosign ?? "cosign";
  const { setup, flags } = signingSetup(cosign, options.format, options, "attesting");
  return [
    ...setup,
    {
      argv: [
        cosign,
        "attest",
        "--key",
        options.keyRef,
        "--type",
        cosignPredicateType(options.predicateType),
        "--predicate",
        options.predicateFile,
        ...flags,
        ...registryTlsFlags(options),
        "-y",
        options.ref,
      ],
    },
  ];
}

/** `cosign attest`: a signed in-toto attestation whose predicate is the SBOM file. */
export function attestStep(
  options: CosignRefStepOptions &
    CosignSigningOptions & {
      readonly keyRef: string;
      readonly predicateFile: string;
      readonly sbomFormat: SbomFormat;
      /** The sha256 the scan reported of `predicateFile`: the step refuses a file that changed since. */
      readonly sbomSha256: string;
      readonly format: SignatureFormat;
    },
): StepScript {
  const { sbomFormat, sbomSha256, ...rest } = options;
  return {
    registryHost: registryOf(options.ref, "the image to attest"),
    subject: options.ref,
    invocations: [sbomUnchangedInvocation(options.predicateFile, sbomSha256), ...attestInvocations({ ...rest, predicateType: sbomFormat })],
  };
}

/** Options of {@link verifyAttestationInvocations}. */
export interface VerifyAttestationOptions extends CosignRefStepOptions, CosignVerifyingOptions {
  readonly predicateType: PredicateType;
  readonly format: SignatureFormat;
  /** The `--key` to verify with. Default the PEM in COSIGN_PUBLIC_KEY. */
  readonly keyRef?: string;
  /** Rego or CUE policy files cosign evaluates over each verified statement (`--policy`). Default none. */
  readonly policyFiles?: readonly Word[];
}

/**
 * The commands of `cosign verify-attestation` of one predicate type: verifying setup, then the
 * verification, its verified payload discarded (the exit status is the verdict).
 */
export function verifyAttestationInvocations(options: VerifyAttestationOptions): { setup: ToolInvocation[]; verify: ToolInvocation } {
  const { setup, flags } = verifyingSetup(options);
  return {
    setup,
    verify: {
      argv: [
        options.cosign ?? "cosign",
        "verify-attestation",
        "--key",
        options.keyRef ?? PUBLIC_KEY_FROM_ENV,
        ...flags,
        `--new-bundle-format=${options.format === "bundle"}`,
        "--type",
        cosignPredicateType(options.predicateType),
        ...(options.policyFiles ?? []).flatMap((file) => ["--policy", file]),
        ...registryTlsFlags(options),
        options.ref,
      ],
      stdoutTo: "/dev/null",
    },
  };
}

/**
 * The registry's manifest check (see {@link ManifestFirstOptions}), then `cosign
 * verify-attestation` of the SBOM predicate type with COSIGN_PUBLIC_KEY. The verified payload
 * (the whole SBOM) is discarded; the exit status is the verdict.
 */
export function verifyAttestationStep(
  options: CosignRefStepOptions &
    CosignVerifyingOptions &
    ManifestFirstOptions & { readonly sbomFormat: SbomFormat; readonly format: SignatureFormat },
): StepScript {
  const { sbomFormat, ...rest } = options;
  const { setup, verify } = verifyAttestationInvocations({ ...rest, predicateType: sbomFormat });
  return {
    registryHost: registryOf(options.ref, "the image whose attestation to verify"),
    subject: options.ref,
    invocations: [...manifestFirst(options), ...setup, verify],
  };
}

/**
 * `cosign clean` of one artifact type of a digest: the registry must allow deletes (the lab's
 * does). Signatures otherwise stay in the registry after `pulumi destroy`.
 */
export function cleanStep(options: CosignRefStepOptions & { readonly type: "signature" | "attestation" | "sbom" | "all" }): StepScript {
  return {
    registryHost: registryOf(options.ref, "the image to clean"),
    subject: options.ref,
    invocations: [
      {
        argv: [options.cosign ?? "cosign", "clean", "--force", "--type", options.type, ...registryTlsFlags(options), options.ref],
        stdoutTo: "/dev/null",
      },
    ],
  };
}
