import { SBOM_FORMAT_NAMES, type SbomFormat, type SbomScope, type SignatureFormat, type Transparency } from "@signed-image-lab/tooling";
import { z } from "zod";

/** Config keys that hold secrets; each must be set with `pulumi config set --secret`. */
export const SECRET_CONFIG_KEYS = ["registryAuth", "cosignPassword", "cosignPrivateKey", "vaultToken"] as const;

const port = z.coerce.number().int("must be a whole number").min(1, "must be 1 to 65535").max(65535, "must be 1 to 65535");
const nonEmpty = z.string().trim().min(1, "must not be empty");
const digestRef = z.string().regex(/^[^@\s]+\/[^@\s]+@sha256:[a-f0-9]{64}$/, "must be pinned by digest: host/repo@sha256:<64 hex>");
const KMS_URI = /^(hashivault|openbao|awskms|gcpkms|azurekms|k8s):\/\/\S+$/;

const registryUser = z.object({
  username: nonEmpty.regex(/^[^:\s]+$/, "must not contain ':' or white space (htpasswd user names)"),
  password: z.string({ error: "required (set it with --secret)" }).min(1, "required (set it with --secret)"),
});

const toolPaths = z
  .object({
    cosign: nonEmpty.default("cosign"),
    syft: nonEmpty.default("syft"),
    skopeo: nonEmpty.default("skopeo"),
    curl: nonEmpty.default("curl"),
    node: nonEmpty.default("node"),
    bao: nonEmpty.default("bao"),
  })
  .strict();

/** One image the lab builds, pushes, signs and attests. */
const imageSpec = z
  .object({
    name: nonEmpty
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, "must be a lower-case repository name")
      .min(2, "must have at least two characters (cosign refuses shorter repository names)"),
    tag: nonEmpty.regex(/^[\w][\w.-]{0,127}$/, "must be a valid tag").default("1.0"),
    context: nonEmpty.default("packages/studentbook"),
    dockerfile: nonEmpty.default("Dockerfile"),
  })
  .strict();

/** The schema of the lab's stack config. Defaults match the seed lab, with its errata fixed. */
export const labConfigSchema = z
  .object({
    registryPort: port.default(5001),
    registryImage: nonEmpty.default("registry:2"),
    registryAuth: z
      .object({ enabled: z.boolean().default(false), users: z.array(registryUser).default([]) })
      .strict()
      .default({ enabled: false, users: [] }),
    existingRegistry: nonEmpty.regex(/^[^/\s]+$/, "must be host[:port], without a path").optional(),
    registryTls: z.union([z.boolean(), z.stringbool()]).default(false),
    registryCaFile: nonEmpty.optional(),
    existingImageRef: digestRef.optional(),
    image: imageSpec.default({ name: "studentbook", tag: "1.0", context: "packages/studentbook", dockerfile: "Dockerfile" }),
    images: z.array(imageSpec).min(1, "needs at least one image").optional(),
    baseImage: nonEmpty.default("node:20-bookworm-slim"),
    appPort: port.default(8090),
    runApp: z.union([z.boolean(), z.stringbool()]).default(true),
    tools: toolPaths.default({ cosign: "cosign", syft: "syft", skopeo: "skopeo", curl: "curl", node: "node", bao: "bao" }),
    sbomFormat: z.enum(SBOM_FORMAT_NAMES as [SbomFormat, ...SbomFormat[]]).default("spdx-json"),
    sbomScope: z.enum(["all-layers", "squashed"] satisfies SbomScope[]).default("all-layers"),
    sbomAttach: z.enum(["attest", "attach", "both"]).default("both"),
    signatureFormat: z.enum(["legacy", "bundle"] satisfies SignatureFormat[]).default("legacy"),
    signingKey: z
      .object({
        source: z.enum(["generate", "config", "kms"]).default("generate"),
        kmsUri: z.string().regex(KMS_URI, "must be a cosign KMS URI such as hashivault://<key>").optional(),
      })
      .strict()
      .default({ source: "generate" }),
    cosignPassword: z.string().min(1, "must not be empty").optional(),
    vaultAddress: z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://127.0.0.1:8200" }).optional(),
    vaultToken: z.string().min(1, "must not be empty").optional(),
    vaultDevServer: z
      .object({
        image: nonEmpty.default("openbao/openbao:2.4.1"),
        port: port.default(8200),
        keyName: nonEmpty.regex(/^\w([\w.-]*\w)?$/, "must be a transit key name (letters, digits, _, . and -)").default("lab-signer"),
      })
      .strict()
      .optional(),
    cosignPrivateKey: z.string().includes("PRIVATE KEY-----", { message: "must be a cosign private key PEM" }).optional(),
    verifyPublicKey: z.string().includes("-----BEGIN PUBLIC KEY-----", { message: "must be a PUBLIC KEY PEM" }).optional(),
    workDir: nonEmpty.default(".lab"),
    driftCheck: z.union([z.boolean(), z.stringbool()]).default(true),
    transparency: z.enum(["off", "timestamps", "timestamps+log"] satisfies Transparency[]).default("off"),
    timestampAuthority: z
      .object({ port: port.default(3030), image: nonEmpty.default("signed-image-lab/timestamp-authority:v2.1.5") })
      .strict()
      .default({ port: 3030, image: "signed-image-lab/timestamp-authority:v2.1.5" }),
    transparencyLog: z
      .object({ port: port.default(3031), image: nonEmpty.default("signed-image-lab/rekor-tiles:v2.3.0") })
      .strict()
      .default({ port: 3031, image: "signed-image-lab/rekor-tiles:v2.3.0" }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (config.registryAuth.enabled && config.registryAuth.users.length === 0) {
      issue(["registryAuth", "users"], "needs at least one user when registryAuth.enabled is true");
    }
    const imageNames = (config.images ?? []).map((i) => i.name);
    imageNames.forEach((name, i) => imageNames.indexOf(name) !== i && issue(["images", i, "name"], `"${name}" is listed twice`));
    if (config.images && config.existingImageRef) issue(["images"], "cannot be combined with existingImageRef");
    if (config.existingRegistry && config.registryTls) {
      issue(["registryTls"], "makes a CA for the lab's own registry; for an existingRegistry set registryCaFile instead");
    }
    if (config.registryCaFile && !config.existingRegistry) {
      issue(["registryCaFile"], "is for an existingRegistry; the lab's own registry makes its CA with registryTls");
    }
    const names = config.registryAuth.users.map((u) => u.username);
    names.forEach((name, i) => names.indexOf(name) !== i && issue(["registryAuth", "users", i, "username"], `"${name}" is listed twice`));
    if (!config.existingRegistry && config.registryPort === config.appPort) {
      issue(["appPort"], `must differ from registryPort (${config.registryPort})`);
    }
    checkTransparency(config, issue);
    const { source, kmsUri } = config.signingKey;
    if (config.vaultDevServer) {
      // The lab's own dev server holds the key: no other key source, no password, a token.
      if (source !== "generate" || kmsUri) issue(["signingKey"], "must not be set with vaultDevServer, whose transit key signs");
      if (!config.vaultToken) issue(["vaultToken"], "required with vaultDevServer (its root token): pulumi config set --secret vaultToken …");
      if (config.vaultAddress) issue(["vaultAddress"], "must not be set with vaultDevServer, which has its own address");
      if (config.cosignPassword || config.cosignPrivateKey) issue(["cosignPassword"], "not used with vaultDevServer");
      return;
    }
    if (source === "kms" && !kmsUri) issue(["signingKey", "kmsUri"], "required when signingKey.source is kms");
    if (source !== "kms" && kmsUri) issue(["signingKey", "kmsUri"], `only used when signingKey.source is kms (it is ${source})`);
    const vaultKey = /^(hashivault|openbao):\/\//.test(kmsUri ?? "");
    if (vaultKey && !config.vaultAddress) issue(["vaultAddress"], `required for ${kmsUri}: the Vault or OpenBao address cosign signs through`);
    if (vaultKey && !config.vaultToken) issue(["vaultToken"], `required for ${kmsUri}: pulumi config set --secret vaultToken …`);
    if (!vaultKey && (config.vaultAddress || config.vaultToken)) issue(["vaultAddress"], "only used with a hashivault:// or openbao:// signingKey.kmsUri");
    if (source !== "kms" && !config.cosignPassword) {
      issue(["cosignPassword"], `required when signingKey.source is ${source}: pulumi config set --secret cosignPassword …`);
    }
    if (source === "config" && !config.cosignPrivateKey) {
      issue(["cosignPrivateKey"], "required when signingKey.source is config: pulumi config set --secret cosignPrivateKey < cosign.key");
    }
    if (source !== "config" && config.cosignPrivateKey) {
      issue(["cosignPrivateKey"], `only used when signingKey.source is config (it is ${source})`);
    }
  });

/**
 * `transparency` needs the bundle format (cosign signs through a signing config only with
 * bundles) and ports of its own for the TSA (and the log).
 */
function checkTransparency(
  config: {
    transparency: Transparency;
    signatureFormat: SignatureFormat;
    timestampAuthority: { port: number };
    transparencyLog: { port: number };
    registryPort: number;
    appPort: number;
  },
  issue: (path: (string | number)[], message: string) => void,
): void {
  if (config.transparency === "off") return;
  if (config.signatureFormat !== "bundle") {
    issue(["transparency"], `${config.transparency} needs signatureFormat: bundle (cosign signs with a timestamp only in the bundle format)`);
  }
  const taken = `registryPort (${config.registryPort}) and appPort (${config.appPort})`;
  const tsaPort = config.timestampAuthority.port;
  if (tsaPort === config.registryPort || tsaPort === config.appPort) issue(["timestampAuthority", "port"], `must differ from ${taken}`);
  const logPort = config.transparencyLog.port;
  if (config.transparency === "timestamps+log" && [config.registryPort, config.appPort, tsaPort].includes(logPort)) {
    issue(["transparencyLog", "port"], `must differ from ${taken} and timestampAuthority.port (${tsaPort})`);
  }
}

/** The validated lab config, secrets still in plain text: keep it inside the program. */
export type LabConfig = z.infer<typeof labConfigSchema>;

/** One image entry of the config. */
export type LabImageConfig = LabConfig["image"];

/** The images the lab signs: `images` when given, otherwise the single `image`. */
export function labImages(config: LabConfig): LabImageConfig[] {
  return config.images ?? [config.image];
}

/** A config error that names the key, as `namespace:key.path`. */
export class LabConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid lab config:\n  ${problems.join("\n  ")}`);
    this.name = "LabConfigError";
  }
}

function formatPath(namespace: string, path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return `${namespace}:${head ?? ""}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("")}`;
}

/** The raw config of one key: a string as Pulumi stores it, or absent. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

const JSON_KEYS = new Set(["registryAuth", "image", "images", "tools", "signingKey", "vaultDevServer", "timestampAuthority", "transparencyLog"]);

/**
 * Validates raw stack config (strings as Pulumi stores them; objects as JSON). `secretKeys`
 * are the keys Pulumi holds encrypted: a secret-bearing key stored in plain text is an error.
 * Throws {@link LabConfigError} naming every bad key.
 */
export function parseLabConfig(namespace: string, raw: RawConfig, secretKeys: ReadonlySet<string>): LabConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!JSON_KEYS.has(key)) {
      input[key] = value;
      continue;
    }
    try {
      input[key] = JSON.parse(value);
    } catch {
      problems.push(`${namespace}:${key}: must be an object (set it with --path or as JSON)`);
    }
  }
  for (const key of SECRET_CONFIG_KEYS) {
    const holdsSecret = key === "registryAuth" ? /"password"/.test(raw[key] ?? "") : raw[key] !== undefined;
    if (holdsSecret && !secretKeys.has(key)) {
      problems.push(`${namespace}:${key}: holds a secret and must be set with --secret`);
    }
  }
  if (raw.image !== undefined && raw.images !== undefined) {
    problems.push(`${namespace}:images: set either image or images, not both`);
  }
  const parsed = labConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message = issue.code === "unrecognized_keys" ? `unknown key(s) ${issue.keys.join(", ")}` : issue.message;
      problems.push(`${formatPath(namespace, issue.path)}: ${message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new LabConfigError(problems);
  }
  return parsed.data;
}

/** Every top-level key the schema knows, for reading them from Pulumi config. */
export const LAB_CONFIG_KEYS = Object.keys(labConfigSchema.shape) as (keyof LabConfig)[];
