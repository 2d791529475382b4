import { dirname } from "node:path";
import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { containersTlsFlags, privateCertDirInvocations, registryTransport } from "../core/registry-transport.js";
import type { StepScript, ToolInvocation } from "../core/step-script.js";

/** Options shared by skopeo steps. */
export interface SkopeoStepOptions {
  /** The image, pinned by digest. */
  readonly ref: string;
  /**
   * PEM file of the CA that signed the registry's certificate. Without it a loopback registry is
   * read over plain HTTP and any other over https verified against the system store.
   */
  readonly registryCaFile?: string;
  /** The skopeo binary. Default `skopeo` on PATH. */
  readonly skopeo?: string;
}

/** One containers/image tool reading `ref` from its registry: the private CA copy first, then the tool. */
function containersStep(
  ref: string,
  registryHost: string,
  registryCaFile: string | undefined,
  argv: (tls: ReturnType<typeof containersTlsFlags>) => ToolInvocation["argv"],
): StepScript {
  const transport = registryTransport(registryHost, registryCaFile);
  return {
    registryHost,
    subject: ref,
    invocations: [...(registryCaFile ? privateCertDirInvocations(registryCaFile) : []), { argv: argv(containersTlsFlags(transport)) }],
  };
}

/** `skopeo inspect` of the pushed digest: the seed's step 1.4, as JSON on stdout. */
export function inspectStep(options: SkopeoStepOptions): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to inspect");
  return containersStep(options.ref, registryHostOf(repository), options.registryCaFile, (tls) => [
    options.skopeo ?? "skopeo",
    "inspect",
    ...tls,
    `docker://${options.ref}`,
  ]);
}

/** Options of {@link ociArchiveStep}. */
export interface OciArchiveStepOptions extends SkopeoStepOptions {
  /** Absolute path of the archive to write. */
  readonly outFile: string;
}

/**
 * The seed's step 1.4 (`skopeo copy … oci-archive:stud.tar`), of the verified digest: `skopeo
 * copy` from the registry into an OCI archive, written beside its final name and moved into place
 * once complete (a failed copy never leaves a partial archive there), then its sha256 on stdout
 * (`sha256sum` format). The copy is by digest, which the pipeline's cosign verify already judged,
 * so skopeo's own signature policy is not consulted (`--insecure-policy`: Debian's skopeo has no
 * sigstore support to enforce one; tools/policy-check is the lab's independent verdict).
 */
export function ociArchiveStep(options: OciArchiveStepOptions): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to archive");
  const partial = `${options.outFile}.partial`;
  const registryHost = registryHostOf(repository);
  const transport = registryTransport(registryHost, options.registryCaFile);
  const tls = containersTlsFlags(transport).map((flag) => (typeof flag === "string" ? flag.replace(/^--/, "--src-") : flag));
  return {
    registryHost,
    subject: options.ref,
    invocations: [
      ...(options.registryCaFile ? privateCertDirInvocations(options.registryCaFile) : []),
      { argv: ["mkdir", "-p", dirname(options.outFile)] },
      { argv: ["rm", "-f", partial] },
      {
        argv: [
          options.skopeo ?? "skopeo",
          "--insecure-policy",
          "copy",
          "--quiet",
          ...tls,
          `docker://${options.ref}`,
          `oci-archive:${partial}`,
        ],
      },
      { argv: ["mv", "-f", partial, options.outFile] },
      { argv: ["sha256sum", options.outFile] },
    ],
  };
}

/** What an OCI archive step made: the file and its sha256. */
export interface OciArchive {
  readonly file: string;
  readonly sha256: string;
}

/** Reads the `sha256sum` line (`<hex>  <file>`) an {@link ociArchiveStep} ends with. Throws when it is none. */
export function parseOciArchive(stdout: string): OciArchive {
  const line = stdout.trim().split("\n").pop() ?? "";
  const match = /^([a-f0-9]{64}) [ *](.+)$/.exec(line);
  if (!match) throw new Error(`not the sha256 of an OCI archive: ${JSON.stringify(line.slice(0, 120))}`);
  return { file: match[2] ?? "", sha256: match[1] ?? "" };
}

/**
 * `skopeo inspect` of a tag: where the tag points now. The one step that takes a tag, because
 * its question is exactly that; nothing signs or scans what it reads.
 */
export function inspectTagStep(options: Omit<SkopeoStepOptions, "ref"> & { readonly taggedRef: string }): StepScript {
  return containersStep(options.taggedRef, registryHostOf(options.taggedRef), options.registryCaFile, (tls) => [
    options.skopeo ?? "skopeo",
    "inspect",
    ...tls,
    `docker://${options.taggedRef}`,
  ]);
}

/** Options of {@link policyCheckStep}. */
export interface PolicyCheckOptions {
  /** The image, pinned by digest. */
  readonly ref: string;
  readonly policyFile: string;
  readonly registriesDir: string;
  /** PEM file of the registry's CA, as for {@link SkopeoStepOptions.registryCaFile}. */
  readonly registryCaFile?: string;
  /** The lab's verifier, built by `tools/bootstrap/signing-tools.sh`. Default `lab-policy-check` on PATH. */
  readonly policyCheck?: string;
}

/**
 * An independent verdict on a cosign signature from containers/image, the library skopeo and
 * podman enforce `policy.json` with: exit 0 when the policy accepts the image, 1 with
 * "Source image rejected" otherwise. (Debian's skopeo has sigstore patched out, hence the
 * lab's small `lab-policy-check` on the same library; upstream `skopeo copy --policy` agrees.)
 */
export function policyCheckStep(options: PolicyCheckOptions): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to check");
  return containersStep(options.ref, registryHostOf(repository), options.registryCaFile, (tls) => [
    options.policyCheck ?? "lab-policy-check",
    "--policy",
    options.policyFile,
    "--registries.d",
    options.registriesDir,
    ...tls,
    `docker://${options.ref}`,
  ]);
}

/** The policy.json that accepts `repository` only when signed by the cosign key in `publicKeyFile`. */
export function sigstorePolicy(repository: string, publicKeyFile: string): object {
  return {
    default: [{ type: "reject" }],
    transports: {
      docker: {
        [repository]: [{ type: "sigstoreSigned", keyPath: publicKeyFile, signedIdentity: { type: "matchRepository" } }],
      },
    },
  };
}

/** The registries.d entry that makes containers/image read cosign's `.sig` tags for `registryHost`. */
export function sigstoreAttachmentsConfig(registryHost: string): string {
  return `docker:\n  ${JSON.stringify(registryHost)}:\n    use-sigstore-attachments: true\n`;
}

/** What the lab keeps of `skopeo inspect`. */
export interface InspectionSummary {
  readonly digest: string;
  readonly layers: readonly string[];
  readonly created: string;
}

/**
 * Reads what `skopeo inspect` tells of an independent view of the pushed digest (the seed's step
 * 1.4, which inspected a tag); keeps digest, layers and creation time, and fails when the
 * registry reports another digest than the one pushed.
 */
export function summariseInspection(expectedRef: string, inspectJson: string): InspectionSummary {
  const { digest } = parseDigestRef(expectedRef);
  const report = JSON.parse(inspectJson) as { Digest?: string; Layers?: string[]; Created?: string };
  if (report.Digest !== digest) {
    throw new Error(`skopeo inspect reports digest ${report.Digest ?? "(none)"}, but ${expectedRef} was pushed`);
  }
  return { digest, layers: report.Layers ?? [], created: report.Created ?? "" };
}
