import { isVaultKmsUri, type LabConfig } from "@signed-image-lab/tooling";

/** The options of the `environment` generator that team mode reads (see schema.json). */
export interface TeamOptions {
  readonly name: string;
  /** `local` (default): one engineer, state in .pulumi-state/. `team`: shared state, registry and keys. */
  readonly mode?: "local" | "team";
  /** `host[:port]` of the team's registry; required in team mode. */
  readonly existingRegistry?: string;
  /** CA certificate of that registry, relative to the project root (public: may be committed). */
  readonly registryCaFile?: string;
  /** Comma-separated registry users; team mode needs at least one (its credentials sign). */
  readonly authUsers?: string;
  /** `signingKey.source`; team mode needs (and defaults to) kms. */
  readonly keySource?: LabConfig["signingKey"]["source"];
  /** The signing key; team mode needs a Vault one: `hashivault://<key>` or `openbao://<key>`. */
  readonly kmsUri?: string;
  /** The Vault or OpenBao address cosign signs through; required in team mode. */
  readonly vaultAddress?: string;
}

/** What team mode adds to an environment. */
export interface TeamSettings {
  /** Plain (committed) config keys. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Secret keys with placeholders, for validation only: set with the next steps. */
  readonly secretPlaceholders: Readonly<Record<string, string>>;
  /** Commands after the stack exists. */
  readonly nextSteps: readonly string[];
  /** The environment every engineer and machine exports (values from the team's secret store). */
  readonly environment: readonly string[];
}

/**
 * Team mode of an environment: state in a shared PostgreSQL backend, the team's existing
 * registry, per-user registry credentials and a key in Vault, all as config or secrets to set;
 * the backend's connection and the passphrase only as environment variables, never in a file
 * the generator writes. Throws, naming the option, when team mode lacks one of them.
 */
export function planTeamSettings(options: TeamOptions): TeamSettings {
  const missing = (option: string, why: string) => new Error(`${option}: required with --mode team (${why})`);
  if (!options.existingRegistry) throw missing("existingRegistry", "host:port of the team's registry");
  if (!options.authUsers?.trim()) throw missing("authUsers", "each engineer's registry user; the first one pushes and signs");
  if ((options.keySource ?? "kms") !== "kms")
    throw new Error(`keySource: must be kms with --mode team (keys stay in Vault), got ${options.keySource}`);
  if (!isVaultKmsUri(options.kmsUri)) {
    throw new Error(`kmsUri: --mode team signs with a key in Vault: hashivault://<key> or openbao://<key>, got "${options.kmsUri ?? ""}"`);
  }
  if (!options.vaultAddress) throw missing("vaultAddress", "the Vault or OpenBao address cosign signs through");
  const stack = `--stack ${options.name}`;
  return {
    config: {
      existingRegistry: options.existingRegistry,
      ...(options.registryCaFile ? { registryCaFile: options.registryCaFile } : {}),
      signingKey: { source: "kms", kmsUri: options.kmsUri },
      vaultAddress: options.vaultAddress,
    },
    secretPlaceholders: { vaultToken: "placeholder" },
    nextSteps: [
      `npm run lab:pulumi -- config set --secret vaultToken ${stack}   # a Vault token that may sign with ${options.kmsUri}`,
      `git add Pulumi.${options.name}.yaml && git commit -m "environment ${options.name}"   # secrets in it are encrypted with the team's passphrase`,
    ],
    environment: [
      "export PULUMI_BACKEND_URL='postgres://<role>@<host>:5432/<database>?sslmode=verify-full'   # no password in the URL",
      "export PGPASSWORD=...                      # the role's password, from the team's secret store",
      "export PULUMI_CONFIG_PASSPHRASE_FILE=...   # the team's stack passphrase (or PULUMI_CONFIG_PASSPHRASE)",
      `# or put those lines (without 'export') in a file only you can read and run: LAB_TEAM_ENV=<file> LAB_STACK=${options.name} npm run lab:up`,
    ],
  };
}
