import { createPublicKey } from "node:crypto";
import { z } from "zod";
import type { SignatureFormat, Transparency } from "../core/words.js";
import { DIGEST_REFERENCE, IMAGE_REFERENCE, isRegistryHost, registryHostOf } from "../core/image-ref.js";
import { parseDeniedPackage } from "../predicates/attestation-policy.js";
import { splitPemBlocks } from "../core/pem.js";
import { LAB_BUILDER_ID } from "../predicates/provenance.js";
import { isLoopbackHost } from "../core/registry-transport.js";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";
import { SBOM_FORMAT_NAMES, type SbomFormat } from "../core/sbom-formats.js";
import type { SbomScope } from "../core/words.js";

/** bcrypt reads at most this many bytes of a password and silently ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** Config keys that hold secrets; each must be set with `pulumi config set --secret`. */
export const SECRET_CONFIG_KEYS = ["registryAuth", "cosignPassword", "cosignPrivateKey", "vaultToken"] as const;

/**
 * The default images, pinned by digest in `packages/tooling/versions.json` (distribution's index; a
 * node bookworm-slim build): a tag can move under the lab between two updates, a digest
 * cannot. Machines without Docker Hub set the local images `tools/bootstrap/local-images.sh`
 * builds instead.
 */
export const DEFAULT_REGISTRY_IMAGE = PINNED_VERSIONS.images.registry;
export const DEFAULT_BASE_IMAGE = PINNED_VERSIONS.images.nodeBase;

/**
 * The default of every config key that has one: the schema below fills these, and components
 * and the environment generator take their own defaults from here (one source per fact).
 * Images come from `packages/tooling/versions.json`.
 */
export const LAB_DEFAULTS = {
  registryPort: 5001,
  registryImage: DEFAULT_REGISTRY_IMAGE,
  registryTls: false,
  image: { name: "studentbook", tag: "1.0", context: "packages/studentbook", dockerfile: "Dockerfile" },
  baseImage: DEFAULT_BASE_IMAGE,
  appPort: 8090,
  runApp: true,
  tools: { cosign: "cosign", syft: "syft", skopeo: "skopeo", curl: "curl", node: "node", bao: "bao", oras: "oras" },
  sbomFormat: "spdx-json",
  sbomScope: "all-layers",
  sbomAttach: "both",
  signatureFormat: "legacy",
  signingKeySource: "generate",
  vaultDevServer: { image: PINNED_VERSIONS.images.vaultDevServer, port: 8200, keyName: "lab-signer" },
  workDir: ".lab",
  driftCheck: true,
  transparency: "off",
  timestampAuthority: { port: 3030, image: PINNED_VERSIONS.timestampAuthority.image },
  transparencyLog: { port: 3031, image: PINNED_VERSIONS.rekorTiles.image },
  provenance: true,
  builderId: LAB_BUILDER_ID,
  policy: { deniedPackages: [] as string[] },
  promotion: { registryPort: 5002 },
} as const satisfies {
  readonly sbomFormat: SbomFormat;
  readonly sbomScope: SbomScope;
  readonly signatureFormat: SignatureFormat;
  readonly transparency: Transparency;
  readonly [key: string]: unknown;
};

const D = LAB_DEFAULTS;

/**
 * Every port the lab publishes on 127.0.0.1, by its config key. Within a stack they must all
 * differ; and none may be another key's default, which another stack on the machine uses.
 */
export const LAB_PORT_KEYS = [
  "registryPort",
  "appPort",
  "vaultDevServer.port",
  "timestampAuthority.port",
  "transparencyLog.port",
  "promotion.registryPort",
] as const;

/** A key of {@link LAB_PORT_KEYS}. */
export type LabPortKey = (typeof LAB_PORT_KEYS)[number];

/** The default of each published port. */
export const LAB_DEFAULT_PORTS: Readonly<Record<LabPortKey, number>> = {
  registryPort: D.registryPort,
  appPort: D.appPort,
  "vaultDevServer.port": D.vaultDevServer.port,
  "timestampAuthority.port": D.timestampAuthority.port,
  "transparencyLog.port": D.transparencyLog.port,
  "promotion.registryPort": D.promotion.registryPort,
};

/** What listens on each published port, in words. */
export const LAB_PORT_ROLES: Readonly<Record<LabPortKey, string>> = {
  registryPort: "registry",
  appPort: "app",
  "vaultDevServer.port": "vault dev server",
  "timestampAuthority.port": "timestamp authority",
  "transparencyLog.port": "transparency log",
  "promotion.registryPort": "promotion registry",
};

// Every value arrives as the string Pulumi stores: a port is digits only ("0x1389" and "1e3" are not ports).
const port = z.preprocess(
  (value) => (typeof value === "string" && /^[0-9]{1,5}$/.test(value.trim()) ? Number(value) : value),
  z
    .number({ error: "must be a port: digits only, 1 to 65535" })
    .int("must be a whole number")
    .min(1, "must be 1 to 65535")
    .max(65535, "must be 1 to 65535"),
);
const nonEmpty = z.string().trim().min(1, "must not be empty");
/** Text that reaches a tool inside an argument (a path, a URI): no control characters, no leading '-', bounded. */
const argumentText = nonEmpty
  .max(1024, "must be at most 1024 characters")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule refuses control characters, so it names them
  .regex(/^[^\x00-\x1f\x7f]*$/, "must not contain control characters (newlines, tabs)")
  .regex(/^[^-]/, "must not start with '-' (it would read as a flag)");
/** A tool binary: a name on PATH or a path, made of path characters only. */
const toolPath = nonEmpty
  .max(1024, "must be at most 1024 characters")
  .regex(/^[A-Za-z0-9_./+][A-Za-z0-9_./+-]*$/, "must be a command name or path (letters, digits, _ . / + -), not starting with '-'");
const imageRef = nonEmpty
  .max(512, "must be at most 512 characters")
  .regex(IMAGE_REFERENCE, "must be an image reference: [host[:port]/]name[:tag][@sha256:<64 hex>]");
const digestRef = z.string().regex(DIGEST_REFERENCE, "must be pinned by digest: host[:port]/repo@sha256:<64 hex>");
const registryHost = nonEmpty.refine(
  isRegistryHost,
  "must be host[:port] (a DNS name, IPv4 or [IPv6], port 1 to 65535), without a scheme or path",
);
/** The URL, or null when it is none (z.url reports that). */
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** A secret that travels in an environment variable: any bytes but NUL, bounded. */
const secretText = z
  .string()
  .min(1, "must not be empty")
  .max(4096, "must be at most 4096 characters")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule refuses control characters, so it names them
  .regex(/^[^\x00]*$/, "must not contain NUL");
const KMS_URI = /^(hashivault|openbao|awskms|gcpkms|azurekms|k8s):\/\/\S+$/;

/** Whether a cosign KMS URI names a key in Vault or OpenBao (which needs vaultAddress and vaultToken). */
export function isVaultKmsUri(uri: string | undefined): boolean {
  return /^(hashivault|openbao):\/\//.test(uri ?? "");
}

/** A PUBLIC KEY PEM that parses as a key (one block; header text alone is not a key). */
const publicKeyPem = z.string().refine((pem) => {
  const blocks = splitPemBlocks(pem);
  if (blocks.length !== 1 || blocks[0]?.label !== "PUBLIC KEY") return false;
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}, "must be one PUBLIC KEY PEM block that parses as a key (cosign.pub)");

/** One encrypted cosign private key PEM block with a base64 body (cosign decrypts it; the schema checks its shape). */
const privateKeyPem = z.string().refine((pem) => {
  const blocks = splitPemBlocks(pem);
  const body =
    blocks[0]?.text
      .split(/\r?\n/)
      .filter((l) => l && !l.startsWith("-----"))
      .join("") ?? "";
  return (
    blocks.length === 1 && /^ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY$/.test(blocks[0]?.label ?? "") && /^[A-Za-z0-9+/]+={0,2}$/.test(body)
  );
}, "must be one ENCRYPTED SIGSTORE (or COSIGN) PRIVATE KEY PEM block with a base64 body (cosign.key)");

const registryUser = z.object({
  username: nonEmpty.regex(/^[^:\s]+$/, "must not contain ':' or white space (htpasswd user names)"),
  password: z
    .string({ error: "required (set it with --secret)" })
    .min(1, "required (set it with --secret)")
    .refine(
      (p) => Buffer.byteLength(p, "utf8") <= BCRYPT_MAX_PASSWORD_BYTES,
      `must be at most ${BCRYPT_MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)`,
    ),
});

const toolPaths = z
  .object({
    cosign: toolPath.default(D.tools.cosign),
    syft: toolPath.default(D.tools.syft),
    skopeo: toolPath.default(D.tools.skopeo),
    curl: toolPath.default(D.tools.curl),
    node: toolPath.default(D.tools.node),
    bao: toolPath.default(D.tools.bao),
    oras: toolPath.default(D.tools.oras),
  })
  .strict();

/** One image the lab builds, pushes, signs and attests. */
const imageSpec = z
  .object({
    name: nonEmpty
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, "must be a lower-case repository name")
      .min(2, "must have at least two characters (cosign refuses shorter repository names)")
      .max(255, "must be at most 255 characters (distribution's limit)"),
    tag: nonEmpty.regex(/^[\w][\w.-]{0,127}$/, "must be a valid tag").default(D.image.tag),
    context: argumentText.default(D.image.context),
    dockerfile: argumentText.default(D.image.dockerfile),
  })
  .strict();

/** The schema of the lab's stack config. Defaults match the seed lab, with its errata fixed. */
export const labConfigSchema = z
  .object({
    registryPort: port.default(D.registryPort),
    registryImage: imageRef.default(D.registryImage),
    registryAuth: z
      .object({ enabled: z.boolean().default(false), users: z.array(registryUser).default([]) })
      .strict()
      .default({ enabled: false, users: [] }),
    existingRegistry: registryHost.optional(),
    registryTls: z.union([z.boolean(), z.stringbool()]).default(D.registryTls),
    registryCaFile: argumentText.optional(),
    existingImageRef: digestRef.optional(),
    image: imageSpec.default({ ...D.image }),
    images: z.array(imageSpec).min(1, "needs at least one image").optional(),
    baseImage: imageRef.default(D.baseImage),
    appPort: port.default(D.appPort),
    runApp: z.union([z.boolean(), z.stringbool()]).default(D.runApp),
    tools: toolPaths.default({ ...D.tools }),
    sbomFormat: z.enum(SBOM_FORMAT_NAMES as [SbomFormat, ...SbomFormat[]]).default(D.sbomFormat),
    sbomScope: z.enum(["all-layers", "squashed"] satisfies SbomScope[]).default(D.sbomScope),
    sbomAttach: z.enum(["attest", "attach", "both"]).default(D.sbomAttach),
    signatureFormat: z.enum(["legacy", "bundle"] satisfies SignatureFormat[]).default(D.signatureFormat),
    signingKey: z
      .object({
        source: z.enum(["generate", "config", "kms"]).default(D.signingKeySource),
        kmsUri: argumentText.regex(KMS_URI, "must be a cosign KMS URI such as hashivault://<key>").optional(),
      })
      .strict()
      .default({ source: D.signingKeySource }),
    cosignPassword: secretText.optional(),
    vaultAddress: z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://vault.example.com:8200" })
      .refine((url) => {
        const parsed = parseUrl(url);
        return parsed === null || parsed.protocol === "https:" || isLoopbackHost(parsed.hostname);
      }, "must be https (plain http only to a loopback host: the token travels with every request)")
      .refine((url) => {
        const parsed = parseUrl(url);
        return parsed === null || (parsed.username === "" && parsed.password === "" && parsed.search === "" && parsed.hash === "");
      }, "must be scheme://host[:port][/path] without user info, query or fragment (the token goes in vaultToken)")
      .optional(),
    vaultToken: secretText.optional(),
    vaultDevServer: z
      .object({
        image: imageRef.default(D.vaultDevServer.image),
        port: port.default(D.vaultDevServer.port),
        keyName: nonEmpty
          .max(128, "must be at most 128 characters")
          .regex(/^\w([\w.-]*\w)?$/, "must be a transit key name (letters, digits, _, . and -)")
          .default(D.vaultDevServer.keyName),
      })
      .strict()
      .optional(),
    cosignPrivateKey: privateKeyPem.optional(),
    verifyPublicKey: publicKeyPem.optional(),
    workDir: argumentText.default(D.workDir),
    driftCheck: z.union([z.boolean(), z.stringbool()]).default(D.driftCheck),
    transparency: z.enum(["off", "timestamps", "timestamps+log"] satisfies Transparency[]).default(D.transparency),
    timestampAuthority: z
      .object({ port: port.default(D.timestampAuthority.port), image: imageRef.default(D.timestampAuthority.image) })
      .strict()
      .default({ ...D.timestampAuthority }),
    transparencyLog: z
      .object({ port: port.default(D.transparencyLog.port), image: imageRef.default(D.transparencyLog.image) })
      .strict()
      .default({ ...D.transparencyLog }),
    provenance: z.union([z.boolean(), z.stringbool()]).default(D.provenance),
    builderId: argumentText.refine((id) => parseUrl(id) !== null, "must be a URI (the builder id provenance names)").default(D.builderId),
    policy: z
      .object({
        /** Default: on when the lab builds, attests the SBOM and records provenance. */
        enabled: z.boolean().optional(),
        deniedPackages: z
          .array(
            nonEmpty
              .max(256, "must be at most 256 characters")
              .refine(isDeniedPackage, "must be a package name or name@version (@scope/name[@version])"),
          )
          .default([]),
      })
      .strict()
      .default({ deniedPackages: [] }),
    promotion: z
      .object({
        /** The lab's own second registry on 127.0.0.1 (default), or an existing one. */
        registryPort: port.default(D.promotion.registryPort),
        existingRegistry: registryHost.optional(),
        registryCaFile: argumentText.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (config.registryAuth.enabled && config.registryAuth.users.length === 0) {
      issue(["registryAuth", "users"], "needs at least one user when registryAuth.enabled is true");
    }
    const imageNames = (config.images ?? []).map((i) => i.name);
    imageNames.forEach((name, i) => {
      if (imageNames.indexOf(name) !== i) issue(["images", i, "name"], `"${name}" is listed twice`);
    });
    if (config.images && config.existingImageRef) issue(["images"], "cannot be combined with existingImageRef");
    if (config.existingRegistry && config.registryTls) {
      issue(["registryTls"], "makes a CA for the lab's own registry; for an existingRegistry set registryCaFile instead");
    }
    if (config.registryCaFile && !config.existingRegistry) {
      issue(["registryCaFile"], "is for an existingRegistry; the lab's own registry makes its CA with registryTls");
    }
    const names = config.registryAuth.users.map((u) => u.username);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) issue(["registryAuth", "users", i, "username"], `"${name}" is listed twice`);
    });
    // Ports the lab publishes on this machine must not clash.
    const published: [LabPortKey, number][] = [
      ...(config.existingRegistry ? [] : [["registryPort", config.registryPort] as [LabPortKey, number]]),
      ...(config.runApp ? [["appPort", config.appPort] as [LabPortKey, number]] : []),
      ...(config.vaultDevServer ? [["vaultDevServer.port", config.vaultDevServer.port] as [LabPortKey, number]] : []),
      ...(config.transparency !== "off" ? [["timestampAuthority.port", config.timestampAuthority.port] as [LabPortKey, number]] : []),
      ...(config.transparency === "timestamps+log" ? [["transparencyLog.port", config.transparencyLog.port] as [LabPortKey, number]] : []),
      ...(config.promotion && !config.promotion.existingRegistry
        ? [["promotion.registryPort", config.promotion.registryPort] as [LabPortKey, number]]
        : []),
    ];
    published.forEach(([key, value], i) => {
      const clash = published.slice(0, i).find(([, other]) => other === value);
      // Another stack on this machine publishes its services on their defaults.
      const taken = LAB_PORT_KEYS.find((other) => other !== key && LAB_DEFAULT_PORTS[other] === value);
      if (clash) issue(key.split("."), `must differ from ${clash[0]} (${value})`);
      else if (taken)
        issue(key.split("."), `must differ from ${taken}'s default (${value}): another stack's ${LAB_PORT_ROLES[taken]} uses it`);
    });
    // (Refinements run even when a field failed its own check: look only at well-formed values.)
    if (config.existingImageRef && DIGEST_REFERENCE.test(config.existingImageRef)) {
      // The registry user's credentials go to the host of the ref: it must be the lab's registry.
      const expected = config.existingRegistry ?? `localhost:${config.registryPort}`;
      const host = registryHostOf(config.existingImageRef);
      if (host !== expected)
        issue(["existingImageRef"], `must be in the lab's registry ${expected}, not ${host} (its credentials go there)`);
    }
    checkTransparency(config, issue);
    checkPolicy(config, issue);
    if (config.promotion?.registryCaFile && !config.promotion.existingRegistry) {
      issue(
        ["promotion", "registryCaFile"],
        "is for promotion.existingRegistry; the lab's own second registry serves plain HTTP on 127.0.0.1",
      );
    }
    const { source, kmsUri } = config.signingKey;
    if (config.vaultDevServer) {
      // The lab's own dev server holds the key: no other key source, no password, a token.
      if (source !== "generate" || kmsUri) issue(["signingKey"], "must not be set with vaultDevServer, whose transit key signs");
      if (!config.vaultToken)
        issue(["vaultToken"], "required with vaultDevServer (its root token): pulumi config set --secret vaultToken …");
      if (config.vaultAddress) issue(["vaultAddress"], "must not be set with vaultDevServer, which has its own address");
      if (config.cosignPassword || config.cosignPrivateKey) issue(["cosignPassword"], "not used with vaultDevServer");
      return;
    }
    if (source === "kms" && !kmsUri) issue(["signingKey", "kmsUri"], "required when signingKey.source is kms");
    if (source !== "kms" && kmsUri) issue(["signingKey", "kmsUri"], `only used when signingKey.source is kms (it is ${source})`);
    const vaultKey = isVaultKmsUri(kmsUri);
    if (vaultKey && !config.vaultAddress)
      issue(["vaultAddress"], `required for ${kmsUri}: the Vault or OpenBao address cosign signs through`);
    if (vaultKey && !config.vaultToken) issue(["vaultToken"], `required for ${kmsUri}: pulumi config set --secret vaultToken …`);
    if (!vaultKey && (config.vaultAddress || config.vaultToken))
      issue(["vaultAddress"], "only used with a hashivault:// or openbao:// signingKey.kmsUri");
    if (needsCosignPassword(config) && !config.cosignPassword) {
      issue(["cosignPassword"], `required when signingKey.source is ${source}: pulumi config set --secret cosignPassword …`);
    }
    if (source === "config" && !config.cosignPrivateKey) {
      issue(["cosignPrivateKey"], "required when signingKey.source is config: pulumi config set --secret cosignPrivateKey < cosign.key");
    }
    if (source !== "config" && config.cosignPrivateKey) {
      issue(["cosignPrivateKey"], `only used when signingKey.source is config (it is ${source})`);
    }
  });

/** Whether the policy gates the stack: as configured, else whenever everything it judges is made. */
export function policyEnabled(config: {
  readonly policy: { readonly enabled?: boolean };
  readonly provenance: boolean;
  readonly sbomAttach: string;
  readonly existingImageRef?: string;
}): boolean {
  return config.policy.enabled ?? (config.provenance && config.sbomAttach !== "attach" && config.existingImageRef === undefined);
}

/** The policy judges a signature, an SBOM attestation and provenance: a stack that makes none of one cannot pass it. */
function checkPolicy(config: Parameters<typeof policyEnabled>[0], issue: (path: (string | number)[], message: string) => void): void {
  if (config.policy.enabled !== true) return;
  if (config.existingImageRef !== undefined)
    issue(["policy", "enabled"], "needs an image the lab builds (existingImageRef has no provenance of the lab's)");
  if (!config.provenance) issue(["policy", "enabled"], "needs provenance: true (the policy checks the provenance)");
  if (config.sbomAttach === "attach") issue(["policy", "enabled"], "needs an attested SBOM (sbomAttach: attest or both)");
}

function isDeniedPackage(entry: string): boolean {
  try {
    parseDeniedPackage(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the stack signs with a password-protected cosign key (`signingKey.source` generate or
 * config, no `vaultDevServer`), so that `cosignPassword` is required. `lab.sh up` generates a
 * password exactly then (`needs_cosign_password` in tools/scripts/stack-config.sh; its spec
 * proves the two agree).
 */
export function needsCosignPassword(config: {
  readonly vaultDevServer?: unknown;
  readonly signingKey: { readonly source: string };
}): boolean {
  return config.vaultDevServer === undefined && config.signingKey.source !== "kms";
}

/**
 * `transparency` needs the bundle format (cosign signs through a signing config only with
 * bundles). Its ports are checked with every other published port.
 */
function checkTransparency(
  config: { transparency: Transparency; signatureFormat: SignatureFormat },
  issue: (path: (string | number)[], message: string) => void,
): void {
  if (config.transparency !== "off" && config.signatureFormat !== "bundle") {
    issue(
      ["transparency"],
      `${config.transparency} needs signatureFormat: bundle (cosign signs with a timestamp only in the bundle format)`,
    );
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

/** The keys whose values are objects or lists: Pulumi stores them as JSON. */
const JSON_KEYS = new Set(
  Object.entries(labConfigJsonSchema().properties)
    .filter(([, property]) => property.type === "object" || property.type === "array")
    .map(([key]) => key),
);

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
  if (!parsed.success) problems.push(...schemaProblems(namespace, parsed.error.issues));
  if (problems.length > 0 || !parsed.success) {
    throw new LabConfigError(problems);
  }
  return parsed.data;
}

/** Each schema issue as `<prefix>:<key path>: <message>`. */
function schemaProblems(prefix: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${formatPath(prefix, [...issue.path, key])}: unknown key`)
      : [`${formatPath(prefix, issue.path)}: ${issue.message}`],
  );
}

/**
 * The lab's settings as a program writes them: every key of the stack config, typed (ports as
 * numbers, objects as objects), each optional with the default the schema states.
 */
export type LabSettings = z.input<typeof labConfigSchema>;

/**
 * Validates settings a program passes (rather than stack config strings), with every default
 * filled in. Throws {@link LabConfigError} naming every bad key as `<at>:<key path>`.
 */
export function validateLabSettings(settings: LabSettings, at: string): LabConfig {
  const parsed = labConfigSchema.safeParse(settings);
  if (!parsed.success) throw new LabConfigError(schemaProblems(at, parsed.error.issues));
  return parsed.data;
}

/**
 * {@link needsCosignPassword} of a stack's raw config (`signingKey` and `vaultDevServer` as
 * `pulumi config get` prints them, absent or empty when unset), before the config is complete
 * enough to parse: `lab.sh up` asks it whether to generate a cosignPassword. A `signingKey` that
 * is no JSON object counts as the default source; the program then names that key.
 */
export function rawConfigNeedsCosignPassword(raw: { readonly signingKey?: string; readonly vaultDevServer?: string }): boolean {
  let source: unknown;
  try {
    source = (JSON.parse(raw.signingKey || "{}") as { source?: unknown } | null)?.source;
  } catch {
    source = undefined;
  }
  return needsCosignPassword({
    vaultDevServer: raw.vaultDevServer ? raw.vaultDevServer : undefined,
    signingKey: { source: typeof source === "string" ? source : LAB_DEFAULTS.signingKeySource },
  });
}

/** Every top-level key the schema knows, for reading them from Pulumi config. */
export const LAB_CONFIG_KEYS = Object.keys(labConfigSchema.shape) as (keyof LabConfig)[];

/** One key of {@link labConfigJsonSchema}, as far as the checks of the generator and README read it. */
export interface LabConfigJsonProperty {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, LabConfigJsonProperty>>;
}

/**
 * The config schema as JSON Schema, as a config is after parsing (types, enums, defaults):
 * what the environment generator's schema.json and the README's configuration table are
 * checked against.
 */
export function labConfigJsonSchema(): { readonly properties: Readonly<Record<string, LabConfigJsonProperty>> } {
  return z.toJSONSchema(labConfigSchema, { io: "output", unrepresentable: "any" }) as { properties: Record<string, LabConfigJsonProperty> };
}
