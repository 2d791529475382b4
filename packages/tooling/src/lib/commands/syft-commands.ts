import { dirname } from "node:path";
import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { registryTransport } from "../core/registry-transport.js";
import { SBOM_FORMATS, type SbomFormat } from "../core/sbom-formats.js";
import type { StepScript, ToolInvocation } from "../core/step-script.js";
export type { SbomScope } from "../core/words.js";
import type { SbomScope } from "../core/words.js";

/** What the SBOM summary line reports: the file's sha256 and how many packages it lists. */
export interface SbomSummary {
  readonly sha256: string;
  readonly packages: number;
}

/**
 * Prints {@link SbomSummary} of the SBOM file named by its argument as one JSON line. Node is
 * always there (it runs Pulumi), unlike jq. SPDX lists `packages`, CycloneDX `components`.
 */
const SBOM_SUMMARY_SCRIPT = [
  'const fs = require("fs"), crypto = require("crypto");',
  "const bytes = fs.readFileSync(process.argv[1]);",
  "const doc = JSON.parse(bytes);",
  "const list = doc.packages ?? doc.components ?? [];",
  'const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");',
  'process.stdout.write(JSON.stringify({ sha256, packages: list.length }) + "\\n");',
].join(" ");

/** Options of {@link scanStep}. */
export interface ScanStepOptions {
  /** The image, pinned by digest. */
  readonly ref: string;
  /** Absolute path the SBOM is written to. */
  readonly outFile: string;
  readonly sbomFormat: SbomFormat;
  /** Default `all-layers`, as the seed asks. */
  readonly scope?: SbomScope;
  /**
   * PEM file of the CA that signed the registry's certificate (SYFT_REGISTRY_CA_CERT): syft
   * verifies the registry's TLS against it. Without it a loopback registry is read over plain
   * HTTP and any other over https verified against the system store ({@link registryTransport}).
   */
  readonly registryCaFile?: string;
  /** The syft binary. Default `syft` on PATH. */
  readonly syft?: string;
  /** The node binary for the summary. Default `node` on PATH. */
  readonly node?: string;
}

/**
 * `syft scan` straight from the registry (no docker daemon involved), the SBOM written to
 * `outFile`, then its {@link SbomSummary} on stdout. The seed's `syft packages … > file` is the
 * deprecated spelling of the same scan.
 */
export function scanStep(options: ScanStepOptions): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image to scan");
  const syftEnv: Record<string, string> = { SYFT_CHECK_FOR_APP_UPDATE: "false" };
  const transport = registryTransport(registryHostOf(repository), options.registryCaFile);
  if (transport.plainHttp) {
    syftEnv.SYFT_REGISTRY_INSECURE_USE_HTTP = "true";
  }
  if (transport.registryCaFile !== undefined) {
    syftEnv.SYFT_REGISTRY_CA_CERT = transport.registryCaFile;
  }
  // syft writes beside the file and the step moves it into place only once syft succeeded: a
  // failed or killed scan never leaves a partial SBOM where attest would read it.
  const partial = `${options.outFile}.partial`;
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [
      { argv: ["mkdir", "-p", dirname(options.outFile)] },
      {
        argv: [
          options.syft ?? "syft",
          "scan",
          `registry:${options.ref}`,
          "--scope",
          options.scope ?? "all-layers",
          "-o",
          `${SBOM_FORMATS[options.sbomFormat].syftOutput}=${partial}`,
        ],
        env: syftEnv,
      },
      { argv: ["mv", "-f", partial, options.outFile] },
      { argv: [options.node ?? "node", "-e", SBOM_SUMMARY_SCRIPT, options.outFile] },
    ],
  };
}

/**
 * Fails the step unless the SBOM file's sha256 is `sha256`, the one the scan reported: attest
 * and attach read the file back from disk, and must sign or push exactly what was scanned, not
 * whatever the file holds by then.
 */
export function sbomUnchangedInvocation(sbomFile: string, sha256: string): ToolInvocation {
  if (!/^[a-f0-9]{64}$/.test(sha256)) {
    throw new Error(`not a sha256 of an SBOM: ${JSON.stringify(sha256.slice(0, 80))}`);
  }
  return {
    argv: [
      "sh",
      "-c",
      'lab_got=$(sha256sum <"$1") && [ "${lab_got%% *}" = "$2" ] || { echo "$1 is not the SBOM the scan wrote (sha256 ${lab_got%% *}, want $2): run the update again to re-scan" >&2; exit 1; }',
      "sbom-check",
      sbomFile,
      sha256,
    ],
  };
}

/** Parses the last line of a scan step's stdout. Throws when it is not a summary. */
export function parseSbomSummary(stdout: string): SbomSummary {
  const lastLine = stdout.trim().split("\n").pop() ?? "";
  const parsed: unknown = JSON.parse(lastLine);
  const summary = parsed as Partial<SbomSummary>;
  if (typeof summary.sha256 !== "string" || !/^[a-f0-9]{64}$/.test(summary.sha256) || typeof summary.packages !== "number") {
    throw new Error(`not an SBOM summary: ${lastLine.slice(0, 200)}`);
  }
  return { sha256: summary.sha256, packages: summary.packages };
}
