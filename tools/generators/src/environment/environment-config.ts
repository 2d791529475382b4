import { isVaultKmsUri, LAB_DEFAULTS, needsCosignPassword, parseLabConfig, pemBlock, type LabConfig } from "@signed-image-lab/tooling";
import { Document } from "yaml";
import { planTeamSettings, type TeamOptions } from "./team-environment.js";

/**
 * Options of the `environment` generator (see schema.json; schema.spec.ts checks that each
 * option that sets a config key has that key's type, enum and default).
 */
export interface EnvironmentOptions extends TeamOptions {
  readonly name: string;
  readonly registryPort?: LabConfig["registryPort"];
  readonly appPort?: LabConfig["appPort"];
  /** `name[=context]` pairs, comma-separated. */
  readonly images?: string;
  /** Comma-separated user names; auth is on when there is one. */
  readonly authUsers?: string;
  readonly kmsUri?: string;
  /** Vault or OpenBao address for a `hashivault://` or `openbao://` kmsUri; its token is set as a secret afterwards. */
  readonly vaultAddress?: string;
}

/** What the generator writes and tells. */
export interface EnvironmentPlan {
  /** Path of the stack config, relative to the workspace root. */
  readonly path: string;
  readonly yaml: string;
  /** The commands that set the secrets the file must not hold. */
  readonly nextSteps: readonly string[];
  /** Team mode: the environment variables to export (backend, passphrase); empty otherwise. */
  readonly environment: readonly string[];
  /** Team mode: the stack file is committed, so `.gitignore` (which ignores every other) lets it through. */
  readonly committed: boolean;
}

const NAMESPACE = "signed-image-lab";
const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const list = (text?: string) =>
  (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Plans `Pulumi.<name>.yaml`: documented defaults for everything that is not a secret, checked
 * by the lab's own config schema with placeholder secrets, and the `npm run lab:pulumi -- config set --secret`
 * commands for the rest. Throws, naming the option or config key, when anything is invalid.
 */
export function planEnvironment(options: EnvironmentOptions): EnvironmentPlan {
  if (!STACK_NAME.test(options.name)) {
    throw new Error(`name: "${options.name}" is not a valid stack name (letters, digits, ., _ and -)`);
  }
  const { image } = LAB_DEFAULTS;
  const images = list(options.images ?? `${image.name}=${image.context}`).map((pair) => {
    const [name, context] = pair.split("=");
    return { name: name ?? "", tag: image.tag, context: context || image.context, dockerfile: image.dockerfile };
  });
  const users = list(options.authUsers);
  const team = options.mode === "team" ? planTeamSettings(options) : undefined;
  const keySource = options.keySource ?? (team ? "kms" : LAB_DEFAULTS.signingKeySource);
  const plain: Record<string, unknown> = {
    ...(team ? {} : { registryPort: String(options.registryPort ?? LAB_DEFAULTS.registryPort) }),
    appPort: String(options.appPort ?? LAB_DEFAULTS.appPort),
    images,
    signingKey: keySource === "kms" ? { source: "kms", kmsUri: options.kmsUri } : { source: keySource },
    ...(options.vaultAddress === undefined ? {} : { vaultAddress: options.vaultAddress }),
    sbomFormat: LAB_DEFAULTS.sbomFormat,
    sbomScope: LAB_DEFAULTS.sbomScope,
    sbomAttach: LAB_DEFAULTS.sbomAttach,
    signatureFormat: LAB_DEFAULTS.signatureFormat,
    ...team?.config,
  };

  // Validate as the program will, with placeholders where secrets go.
  const vaultKey = keySource === "kms" && isVaultKmsUri(options.kmsUri);
  const placeholders: Record<string, string> = {
    ...(needsCosignPassword({ signingKey: { source: keySource } }) ? { cosignPassword: "placeholder" } : {}),
    ...(vaultKey ? { vaultToken: "placeholder" } : {}),
    ...(keySource === "config" ? { cosignPrivateKey: pemBlock("ENCRYPTED SIGSTORE PRIVATE KEY", "cGxhY2Vob2xkZXI=") } : {}),
    ...(users.length > 0
      ? { registryAuth: JSON.stringify({ enabled: true, users: users.map((username) => ({ username, password: "placeholder" })) }) }
      : {}),
    ...team?.secretPlaceholders,
  };
  const raw = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  parseLabConfig(NAMESPACE, { ...raw, ...placeholders }, new Set(Object.keys(placeholders)));

  const doc = new Document({ config: Object.fromEntries(Object.entries(plain).map(([k, v]) => [`${NAMESPACE}:${k}`, v])) });
  doc.commentBefore = [
    ` Environment "${options.name}" of the signed-image lab, written by the environment generator.`,
    " Every key is documented in docs/configuration.md. Secrets are not in this file:",
    " set them with the commands the generator printed (they land here encrypted).",
  ].join("\n");
  const stack = `--stack ${options.name}`;
  const nextSteps = [
    `npm run lab:pulumi -- stack init ${options.name} --secrets-provider passphrase`,
    ...(!needsCosignPassword({ signingKey: { source: keySource } })
      ? []
      : [`npm run lab:pulumi -- config set --secret cosignPassword ${stack}   # the cosign key's password`]),
    ...(keySource === "config" ? [`npm run lab:pulumi -- config set --secret cosignPrivateKey ${stack} < cosign.key`] : []),
    ...(vaultKey
      ? [`npm run lab:pulumi -- config set --secret vaultToken ${stack}   # a Vault/OpenBao token that may sign with the transit key`]
      : []),
    ...(users.length > 0 ? [`npm run lab:pulumi -- config set --path registryAuth.enabled true ${stack}`] : []),
    ...users.flatMap((username, i) => [
      `npm run lab:pulumi -- config set --secret --path 'registryAuth.users[${i}].username' ${username} ${stack}`,
      `npm run lab:pulumi -- config set --secret --path 'registryAuth.users[${i}].password' ${stack}   # ${username}'s password`,
    ]),
    ...(team?.nextSteps ?? []),
    `LAB_STACK=${options.name} npm run lab:up`,
  ];
  return {
    path: `Pulumi.${options.name}.yaml`,
    yaml: doc.toString(),
    nextSteps,
    environment: team?.environment ?? [],
    committed: team !== undefined,
  };
}
