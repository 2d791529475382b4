import { verifyStep, type CosignVerifyingOptions, type SignatureFormat } from "./cosign-commands.js";
import { DIGEST_REFERENCE, isRegistryHost, legacyArtifactRef, parseDigestRef, registryHostOf, type DigestRef } from "../core/image-ref.js";
import { orasTlsFlags, registryTransport } from "../core/registry-transport.js";
import { REGISTRY_CONFIG_FILE, TARGET_REGISTRY_CONFIG_FILE, type StepScript, type ToolInvocation } from "../core/step-script.js";
import type { Word } from "../core/shell-words.js";

/** Options of {@link promoteStep}. */
export interface PromoteOptions extends CosignVerifyingOptions {
  /** The image in the source (staging) registry, pinned by digest: `host[:port]/name@sha256:…`. */
  readonly sourceRef: string;
  /** Where it goes: `host[:port]/name`, no tag or digest. The digest stays the same. */
  readonly targetRepository: string;
  /** How the source stores its signature and attestations: `legacy` tags or `bundle` referrers. */
  readonly format: SignatureFormat;
  /**
   * The image carries signed attestations (`cosign attest`). In the legacy format the step copies
   * the `sha256-<hex>.att` tag and fails when it is missing; in the bundle format every referrer
   * is copied anyway. Default true (the lab attests unless `sbomAttach` is `attach`).
   */
  readonly attested?: boolean;
  /**
   * The image carries an SBOM from `cosign attach sbom` (the `sha256-<hex>.sbom` tag, in both
   * formats): the step copies it and fails when it is missing. Default false.
   */
  readonly sbomAttached?: boolean;
  /** A tag to give the image in the target as well (e.g. `1.0`). Default none: by digest only. */
  readonly targetTag?: string;
  /** PEM file of the source registry's CA (cosign and oras trust it for that registry only). Default none: plain HTTP on loopback, else the system roots. */
  readonly sourceCaFile?: string;
  /** PEM file of the target registry's CA, likewise. Default none. */
  readonly targetCaFile?: string;
  /** The `--key` to verify the source with. Default the PEM in COSIGN_PUBLIC_KEY. */
  readonly keyRef?: string;
  /** The oras binary (`tools/bootstrap/signing-tools.sh` builds the pinned one). Default `oras` on PATH. */
  readonly oras?: string;
  /** The cosign binary. Default `cosign` on PATH. */
  readonly cosign?: string;
  /** The node binary of the signature claim check. Default `node` on PATH. */
  readonly node?: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The target as a digest reference; throws naming the option that is wrong. */
function targetRefOf(options: PromoteOptions, source: DigestRef): DigestRef {
  const target = { repository: options.targetRepository, digest: source.digest };
  const ref = `${target.repository}@${target.digest}`;
  const slash = target.repository.indexOf("/");
  if (
    slash < 0 ||
    !isRegistryHost(target.repository.slice(0, slash)) ||
    !DIGEST_REFERENCE.test(ref) ||
    parseDigestRef(ref).repository !== target.repository
  ) {
    throw new Error(`targetRepository must be host[:port]/name without tag or digest, got ${JSON.stringify(options.targetRepository)}`);
  }
  if (target.repository === source.repository) {
    throw new Error(`targetRepository is the source repository ${source.repository}: nothing to promote`);
  }
  if (options.targetTag !== undefined && !TAG.test(options.targetTag)) {
    throw new Error(`targetTag is not a tag: ${JSON.stringify(options.targetTag)}`);
  }
  return target;
}

/**
 * Promotes an image from one registry to another: first `cosign verify` of the source with the
 * trusted key (the {@link verifyStep} invocations, so a source whose signature was removed or
 * replaced since the pipeline's own verify is never copied), then `oras cp` of the image BY
 * DIGEST with its referrers (`-r`: the bundle format's signature and attestations, through the
 * referrers API or its fallback tag), then, in the legacy format, the `sha256-<hex>.sig` and
 * `.att` tags, and the `.sbom` tag when attached. Last, `oras resolve` of the target prints the
 * target digest reference `host/name@sha256:…` (the same digest) on stdout, and nothing else.
 *
 * Credentials travel as environment variables only: the source's in `LAB_REGISTRY_USERNAME` /
 * `LAB_REGISTRY_PASSWORD`, the target's in `LAB_TARGET_REGISTRY_USERNAME` /
 * `LAB_TARGET_REGISTRY_PASSWORD`; the step writes each to its own private docker config, which
 * oras is pointed at (`--from-registry-config`, `--to-registry-config`), never the user's.
 * The source is only read. See https://oras.land/docs/commands/oras_copy.
 */
export function promoteStep(options: PromoteOptions): StepScript {
  const source = parseDigestRef(options.sourceRef, "sourceRef (the image to promote)");
  const target = targetRefOf(options, source);
  const sourceHost = registryHostOf(source.repository);
  const targetHost = registryHostOf(target.repository);
  const oras = options.oras ?? "oras";
  const from: Word[] = [
    "--from-registry-config",
    REGISTRY_CONFIG_FILE,
    ...orasTlsFlags(registryTransport(sourceHost, options.sourceCaFile), "from"),
  ];
  const to: Word[] = [
    "--to-registry-config",
    TARGET_REGISTRY_CONFIG_FILE,
    ...orasTlsFlags(registryTransport(targetHost, options.targetCaFile), "to"),
  ];
  // oras prints its progress on stdout; the step's stdout is the target reference alone.
  const copy = (recursive: boolean, from_: string, to_: string): ToolInvocation => ({
    argv: [oras, "cp", ...(recursive ? ["-r"] : []), "--no-tty", ...from, ...to, from_, to_],
    stdoutTo: "/dev/null",
  });
  const legacyTags = [
    ...(options.format === "legacy" ? ["sig" as const, ...(options.attested === false ? [] : ["att" as const])] : []),
    ...(options.sbomAttached ? ["sbom" as const] : []),
  ];
  const verify = verifyStep({
    ref: options.sourceRef,
    format: options.format,
    keyRef: options.keyRef,
    registryCaFile: options.sourceCaFile,
    signedTimestamps: options.signedTimestamps,
    transparencyLog: options.transparencyLog,
    cosign: options.cosign,
    node: options.node,
  });
  return {
    registryHost: sourceHost,
    targetRegistryHost: targetHost,
    subject: `${options.sourceRef} -> ${target.repository}`,
    invocations: [
      // The verified claims are the verify step's output; here they only gate the copy.
      ...verify.invocations.map((invocation) => ({ ...invocation, stdoutTo: invocation.stdoutTo ?? "/dev/null" })),
      copy(true, options.sourceRef, `${target.repository}${options.targetTag ? `:${options.targetTag}` : `@${target.digest}`}`),
      ...legacyTags.map((suffix) => copy(false, legacyArtifactRef(source, suffix), legacyArtifactRef(target, suffix))),
      {
        argv: [
          oras,
          "resolve",
          "--full-reference",
          "--registry-config",
          TARGET_REGISTRY_CONFIG_FILE,
          ...orasTlsFlags(registryTransport(targetHost, options.targetCaFile), ""),
          `${target.repository}@${target.digest}`,
        ],
      },
    ],
  };
}
