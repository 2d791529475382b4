import { dirname } from "node:path";
import { generateKeyPairStep, PRIVATE_KEY_FROM_ENV, type SignatureFormat, type Transparency } from "../commands/cosign-commands.js";
import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { NO_REPAIRS, pipelineOptions, pipelineStep, type StepInputs, type StepName } from "../pipeline/pipeline.js";
import { isLoopbackHost } from "../core/registry-transport.js";
import { quoteShellWord, renderWords } from "../core/shell-words.js";
import type { SbomFormat } from "../core/sbom-formats.js";
import type { SbomScope } from "../commands/syft-commands.js";
import type { StepScript, ToolInvocation } from "../core/step-script.js";

/** What `lab:explain` reads of one image in the stack outputs (`images.<name>`). */
export interface ExplainedImageOutputs {
  readonly digestRef: string;
  readonly taggedRef?: string;
  readonly verifiedRef?: string;
  readonly signatureRef?: string;
  readonly attestedRef?: string;
  readonly sbomFile?: string;
  readonly sbomSha256?: string;
  readonly sbomPackageCount?: number;
  readonly inspection?: { readonly digest: string; readonly layers: readonly string[] };
  readonly admittedRef?: string;
  readonly ociArchive?: { readonly file: string; readonly sha256: string };
}

/** What `lab:explain` reads of the stack outputs. */
export interface ExplainedOutputs {
  readonly registryEndpoint: string;
  readonly registryCaFile?: string;
  readonly publicKeyFingerprint?: string;
  readonly vaultAddress?: string;
  readonly images: Readonly<Record<string, ExplainedImageOutputs>>;
  readonly appUrl?: string;
  readonly appRef?: string;
  readonly signatureFormat?: SignatureFormat;
  readonly sbomFormat?: SbomFormat;
  readonly transparency?: Transparency;
  readonly timestampAuthorityUrl?: string;
  readonly transparencyLogUrl?: string;
}

/** The stack's plain (non-secret) config values that shape the commands, keys without the namespace. */
export interface ExplainedConfig {
  readonly sbomScope?: SbomScope;
  readonly sbomAttach?: "attest" | "attach" | "both";
  /** Whether `registryAuth` is set (its value is secret). */
  readonly registryAuth: boolean;
  readonly signingKey?: { readonly source?: string; readonly kmsUri?: string };
  readonly vaultDevServer?: { readonly keyName?: string };
}

/** One seed step: what the seed typed, what the lab ran, what it yielded, how to check it by hand. */
export interface ExplainedStep {
  /** `1.1` … `3.2`, `challenge 1`, `challenge 2`. */
  readonly seed: string;
  readonly title: string;
  /** The seed's own command. */
  readonly seedCommand: string;
  /** The commands the lab ran (tool invocations as the step ran them), or the resource that did it. */
  readonly ran: readonly string[];
  readonly result: readonly string[];
  /** Shell lines a student runs from the repository root after {@link ExplainedLab.setup}; empty when not configured. */
  readonly check: readonly string[];
}

/** What `lab:explain` prints. */
export interface ExplainedLab {
  readonly image: string;
  /** Shell lines every check needs first: the lab's environment and the key (and trusted root) as files. */
  readonly setup: readonly string[];
  readonly steps: readonly ExplainedStep[];
}

/** Reads `pulumi config --json` (secret values never shown) into what `lab:explain` needs. */
export function explainedConfig(configJson: string, namespace = "signed-image-lab"): ExplainedConfig {
  const raw = JSON.parse(configJson || "{}") as Record<string, { value?: string; secret?: boolean; objectValue?: unknown }>;
  const entry = (key: string) => raw[`${namespace}:${key}`];
  const plain = (key: string): unknown => {
    const e = entry(key);
    if (!e || e.secret) return undefined;
    if (e.objectValue !== undefined) return e.objectValue;
    if (e.value === undefined) return undefined;
    try {
      return JSON.parse(e.value);
    } catch {
      return e.value;
    }
  };
  return {
    sbomScope: plain("sbomScope") as SbomScope | undefined,
    sbomAttach: plain("sbomAttach") as ExplainedConfig["sbomAttach"],
    registryAuth: entry("registryAuth") !== undefined,
    signingKey: plain("signingKey") as ExplainedConfig["signingKey"],
    vaultDevServer: plain("vaultDevServer") as ExplainedConfig["vaultDevServer"],
  };
}

/** A tool invocation as one shell line; helper scripts (`node -e`, `sh -c`) shortened to `'<script>'`. */
function invocationLine(invocation: ToolInvocation): string {
  const words = invocation.argv.map((word, i, all) =>
    typeof word === "string" && (all[i - 1] === "-e" || all[i - 1] === "-c") && word.length > 60 ? "'<script>'" : renderWords([word]),
  );
  const env = Object.entries(invocation.env ?? {}).map(([name, value]) => `${name}=${quoteShellWord(value)}`);
  const redirect = invocation.stdoutTo === undefined ? [] : [`>${renderWords([invocation.stdoutTo])}`];
  return [...env, ...words, ...redirect].join(" ");
}

/** `sha256sum -c` of one file: exit 0 only while it holds `sha256`. */
function sha256Check(sha256: string, file: string): string {
  return `printf '%s  %s\\n' ${sha256} ${quoteShellWord(file)} | sha256sum -c`;
}

/** The tool lines of a step script (its wrapper — strict sh, temp dir, registry auth — left out). */
function scriptLines(script: StepScript): string[] {
  return script.invocations.map(invocationLine);
}

/**
 * The seed lab's steps for the lab's first image: per step the seed's command, the commands the
 * pipeline ran (rebuilt by the same builders from the stack outputs, the key as `env://…`), the
 * result from the outputs, and checks by hand with stock tools against the running lab.
 */
export function explainLab(outputs: ExplainedOutputs, config: ExplainedConfig, stack: string): ExplainedLab {
  const [image, out] = Object.entries(outputs.images)[0] ?? [];
  if (!image || !out) throw new Error("the stack outputs list no image: is the lab up? (npm run lab:up)");
  const ref = out.digestRef;
  const { repository, digest } = parseDigestRef(ref, "the image's digestRef");
  const host = registryHostOf(repository);
  const format: SignatureFormat = outputs.signatureFormat ?? "legacy";
  const sbomFormat: SbomFormat = outputs.sbomFormat ?? "spdx-json";
  const transparency: Transparency = outputs.transparency ?? "off";
  const delivery = config.sbomAttach ?? "both";
  const ca = outputs.registryCaFile;
  const plainHttp = isLoopbackHost(host) && ca === undefined;
  const keyRef = config.vaultDevServer
    ? `hashivault://${config.vaultDevServer.keyName ?? "lab-signer"}`
    : config.signingKey?.source === "kms"
      ? (config.signingKey.kmsUri ?? "")
      : PRIVATE_KEY_FROM_ENV;

  const options = pipelineOptions({
    signatureFormat: format,
    sbom: { format: sbomFormat, scope: config.sbomScope, delivery, file: out.sbomFile ?? "" },
    timestamps:
      transparency === "off" || !outputs.timestampAuthorityUrl
        ? undefined
        : { tsaUrl: outputs.timestampAuthorityUrl, logUrl: outputs.transparencyLogUrl },
    registryCaFile: ca,
    ociArchive: out.ociArchive ? { file: out.ociArchive.file } : undefined,
  });
  const inputs: StepInputs = {
    ref,
    keyRef,
    keyFingerprint: outputs.publicKeyFingerprint ?? "",
    verifyKeyFingerprint: outputs.publicKeyFingerprint ?? "",
    trustTriggers: [],
    repairs: NO_REPAIRS,
    sign: ref,
    verify: ref,
    attest: ref,
    scan: { sha256: out.sbomSha256 ?? "", packages: out.sbomPackageCount ?? 0 },
  };
  const ran = (step: StepName) => scriptLines(pipelineStep(step).script(inputs, options));

  // What a student types: stock tools, the lab's key as a file, the registry as the lab reaches it.
  const cosignTls = ca ? ` --registry-cacert ${quoteShellWord(ca)}` : "";
  const trust =
    transparency === "off"
      ? " --insecure-ignore-tlog"
      : ` --trusted-root trusted-root.json --use-signed-timestamps${transparency === "timestamps" ? " --insecure-ignore-tlog" : ""}`;
  const cosignVerify = `--key lab.pub${trust} --new-bundle-format=${format === "bundle"}${cosignTls}`;
  const skopeoTls = plainHttp ? "--tls-verify=false" : `--tls-verify=true${ca ? ` --cert-dir ${quoteShellWord(dirname(ca))}` : ""}`;
  const curlBase = plainHttp ? `http://${host}` : `https://${host}`;
  const curlTls = ca ? ` --cacert ${quoteShellWord(ca)}` : "";
  const syftEnv = [
    "SYFT_CHECK_FOR_APP_UPDATE=false",
    ...(plainHttp ? ["SYFT_REGISTRY_INSECURE_USE_HTTP=true"] : []),
    ...(ca ? [`SYFT_REGISTRY_CA_CERT=${quoteShellWord(ca)}`] : []),
  ].join(" ");
  const q = quoteShellWord;
  const attestType = sbomFormat === "spdx-json" ? "spdxjson" : "cyclonedx";
  const envPrefix = stack === "dev" ? "" : `LAB_STACK=${q(stack)} `;

  const steps: ExplainedStep[] = [
    {
      seed: "1.1",
      title: "Install/start registry",
      seedCommand: "docker run -d -p 5001:5001 --restart always --name registry registry:2",
      ran: [
        `docker:Container ${stack}-registry (Registry component, the Docker provider: no shell command), published on 127.0.0.1 → 5000`,
      ],
      result: [`registryEndpoint = ${outputs.registryEndpoint}`],
      check: [
        config.registryAuth
          ? `curl -sS -o /dev/null -w '%{http_code}\\n'${curlTls} ${curlBase}/v2/   # 401: the registry wants a login`
          : `curl -fsS${curlTls} ${curlBase}/v2/`,
      ],
    },
    {
      seed: "1.2",
      title: "Build and tag image",
      seedCommand: "docker build -t studentbook . && docker image tag studentbook localhost:5001/studentbook:1.0",
      ran: [`docker:Image ${image} (Image component, the Docker provider: docker build of the context, tagged ${out.taggedRef ?? "-"})`],
      result: [`taggedRef = ${out.taggedRef ?? "- (an image the lab did not build)"}`],
      check: out.taggedRef ? [`docker image inspect --format '{{.Id}}' ${q(out.taggedRef)}`] : [],
    },
    {
      seed: "1.3",
      title: "Push image to the local registry",
      seedCommand: "docker push localhost:5001/studentbook:1.0",
      ran: [`docker:Image ${image} pushes the tag; from here on the lab uses only the digest`],
      result: [`digestRef = ${ref}`],
      check: [`skopeo inspect ${skopeoTls} --format '{{.Digest}}' docker://${q(ref)}   # ${digest}`],
    },
    {
      seed: "1.4",
      title: "Inspect the image (and export it as an OCI archive)",
      seedCommand:
        "skopeo copy --tls-verify=false docker://localhost:5001/studentbook oci-archive:stud.tar && skopeo inspect --tls-verify=false docker://localhost:5001/studentbook",
      ran: [...ran("inspect"), ...(out.ociArchive ? ran("archive") : [])],
      result: [
        `imageInspection: digest ${out.inspection?.digest ?? "-"}, ${out.inspection?.layers.length ?? 0} layers`,
        ...(out.ociArchive ? [`ociArchive = ${out.ociArchive.file} (sha256 ${out.ociArchive.sha256})`] : []),
      ],
      check: [
        `skopeo inspect ${skopeoTls} docker://${q(ref)}`,
        ...(out.ociArchive
          ? [`skopeo inspect oci-archive:${q(out.ociArchive.file)}`, sha256Check(out.ociArchive.sha256, out.ociArchive.file)]
          : []),
      ],
    },
    {
      seed: "1.5",
      title: "Run image from local registry",
      seedCommand: "docker pull localhost:5001/studentbook:1.0 && docker run -p 8090",
      ran: [
        outputs.appUrl
          ? `docker:Container ${stack}-${image}-app (VerifiedContainer component) from ${outputs.appRef ?? out.admittedRef ?? ref}, after every verification`
          : "runApp is false: no app container",
      ],
      result: outputs.appUrl ? [`appUrl = ${outputs.appUrl}`, `appRef = ${outputs.appRef ?? "-"}`] : [],
      check: outputs.appUrl ? [`curl -fsS ${outputs.appUrl.replace(/\/$/, "")}/students`] : [],
    },
    {
      seed: "2.1",
      title: "Install cosign",
      seedCommand: 'wget "https://github.com/sigstore/cosign/releases/download/v1.6.0/cosign-linux-amd64"',
      ran: ["lab:up's preflight obtains the pinned cosign into .tools/bin (packages/tooling/versions.json)"],
      result: ["cosign on PATH after lab:env"],
      check: ["cosign version"],
    },
    {
      seed: "2.2",
      title: "Generate key pair",
      seedCommand: "cosign generate-key-pair",
      ran:
        keyRef === PRIVATE_KEY_FROM_ENV
          ? [...scriptLines(generateKeyPairStep()), "(COSIGN_PASSWORD from the cosignPassword secret; the key pair is a secret output)"]
          : [`the key stays in Vault: cosign signs with --key ${keyRef}`],
      result: [`publicKeyFingerprint = ${outputs.publicKeyFingerprint ?? "-"}`],
      check: [`openssl pkey -pubin -in lab.pub -noout   # lab.pub from the setup: a public key`],
    },
    {
      seed: "3.0",
      title: "Sign image and verify signature",
      seedCommand:
        "cosign sign --key cosign.key localhost:5001/studentbook/1.0 && cosign triangulate localhost:5001/studentbook:1.0 && cosign verify localhost:5001/studentbook:1.0",
      ran: [...ran("sign"), ...ran("verify"), ...(format === "legacy" ? ran("triangulate") : [])],
      result: [
        `verifiedRef = ${out.verifiedRef ?? "-"}`,
        ...(out.signatureRef ? [`signatureRef = ${out.signatureRef}`] : []),
        ...(out.admittedRef ? [`admittedRef = ${out.admittedRef}`] : []),
      ],
      check: [
        `cosign verify ${cosignVerify} ${q(ref)} >/dev/null`,
        ...(format === "legacy" ? [`cosign triangulate${cosignTls} ${q(ref)}   # ${out.signatureRef ?? ""}`] : []),
      ],
    },
    {
      seed: "3.1",
      title: "Generate SBOM with Syft",
      seedCommand: "syft packages localhost:5001/studentbook:1.0 --scope all-layers -o spdx > sb-image.spdx",
      ran: ran("scan"),
      result: [
        `sbomFile = ${out.sbomFile ?? "-"}`,
        `sbomSha256 = ${out.sbomSha256 ?? "-"}`,
        `sbomPackageCount = ${out.sbomPackageCount ?? "-"}`,
      ],
      check: [
        ...(out.sbomFile && out.sbomSha256 ? [sha256Check(out.sbomSha256, out.sbomFile)] : []),
        `${syftEnv} syft scan registry:${q(ref)} --scope ${config.sbomScope ?? "all-layers"} -o ${sbomFormat}=/dev/null`,
      ],
    },
    {
      seed: "3.2",
      title: "Attach SBOM to container package (and attest it)",
      seedCommand: "cosign attach sbom --sbom sb-image.spdx localhost:5001/studentbook:1.0",
      ran: [
        ...(delivery !== "attest" ? ran("attach") : []),
        ...(delivery !== "attach" ? [...ran("attest"), ...ran("verify-attestation")] : []),
      ],
      result: out.attestedRef ? [`attestedRef = ${out.attestedRef}`] : ["attached, not attested (sbomAttach: attach)"],
      check: [
        `cosign tree${cosignTls} ${q(ref)}`,
        ...(delivery !== "attach" ? [`cosign verify-attestation ${cosignVerify} --type ${attestType} ${q(ref)} >/dev/null`] : []),
      ],
    },
    {
      seed: "challenge 1",
      title: "Add authentication to your local registry",
      seedCommand: "(none: a challenge)",
      ran: config.registryAuth
        ? [`Registry component: bcrypt htpasswd lines uploaded into ${stack}-registry through the Docker API`]
        : [
            `not configured: ${envPrefix}npm run lab:pulumi -- config set --secret --path 'registryAuth.users[0].password' … (and registryAuth.enabled true, users[0].username)`,
          ],
      result: [`registryAuth ${config.registryAuth ? "on" : "off"}`],
      check: config.registryAuth ? [`curl -sS -o /dev/null -w '%{http_code}\\n'${curlTls} ${curlBase}/v2/   # 401 without a login`] : [],
    },
    {
      seed: "challenge 2",
      title: "Install and use a Vault for cosign's secrets",
      seedCommand: "(none: a challenge)",
      ran:
        keyRef === PRIVATE_KEY_FROM_ENV
          ? [
              `not configured: ${envPrefix}npm run lab:pulumi -- config set --path vaultDevServer.keyName lab-signer (and the secret vaultToken)`,
            ]
          : [`cosign signs with --key ${keyRef} (VAULT_ADDR ${outputs.vaultAddress ?? "from vaultAddress"}, VAULT_TOKEN a secret)`],
      result: [`signing key ${keyRef}`],
      check:
        keyRef === PRIVATE_KEY_FROM_ENV
          ? []
          : [`VAULT_ADDR=${q(outputs.vaultAddress ?? "")} cosign public-key --key ${q(keyRef)}   # VAULT_TOKEN in your environment`],
    },
  ];

  return {
    image,
    setup: [
      `eval "$(${envPrefix}npm run -s lab:env)"`,
      "pulumi stack output verifyPublicKey > lab.pub",
      ...(transparency === "off" ? [] : ["pulumi stack output trustedRoot > trusted-root.json"]),
      ...(config.registryAuth ? [`docker login ${host}   # the registry user's password (cosign and skopeo read docker's login)`] : []),
    ],
    steps,
  };
}

/** The text `npm run lab:explain` prints. */
export function renderExplanation(lab: ExplainedLab): string {
  const lines = [
    `The seed lab's steps, as the lab ran them for image ${lab.image}.`,
    "To check by hand, from the repository root, first:",
    ...lab.setup.map((line) => `  ${line}`),
    "",
  ];
  for (const step of lab.steps) {
    lines.push(`${step.seed} ${step.title}`, `  seed:   ${step.seedCommand}`);
    for (const [i, line] of step.ran.entries()) lines.push(`  ${i === 0 ? "ran:  " : "      "}  ${line}`);
    for (const [i, line] of step.result.entries()) lines.push(`  ${i === 0 ? "result:" : "       "} ${line}`);
    for (const [i, line] of step.check.entries()) lines.push(`  ${i === 0 ? "check:" : "      "}  ${line}`);
    lines.push("");
  }
  return lines.join("\n");
}
