import { renderWords, quoteShellWord, type Word } from "./shell-words.js";

/**
 * Names of the environment variables that carry secrets into a step. Values never appear in a
 * command string: the runner (a Pulumi Command's `environment`, or a test's child process env)
 * supplies them.
 */
export const SecretEnv = {
  /** Password of the cosign private key. cosign reads it itself. */
  cosignPassword: "COSIGN_PASSWORD",
  /** The encrypted cosign private key PEM, read by cosign through `--key env://…`. */
  cosignPrivateKey: "COSIGN_PRIVATE_KEY",
  /** Registry user; when set, the step writes a private, temporary docker config. */
  registryUsername: "LAB_REGISTRY_USERNAME",
  /** Registry password for {@link SecretEnv.registryUsername}. */
  registryPassword: "LAB_REGISTRY_PASSWORD",
} as const;

/** Environment variables that carry public material into a step. */
export const PublicEnv = {
  /** The cosign public key PEM, read by cosign through `--key env://…`. */
  cosignPublicKey: "COSIGN_PUBLIC_KEY",
} as const;

/** One command of a step: its argv and the non-secret environment it needs. */
export interface ToolInvocation {
  readonly argv: readonly Word[];
  /** Non-secret variables set for this command only. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where stdout goes: a shell word (`/dev/null`, a file expansion) or the step's stdout. */
  readonly stdoutTo?: Word;
  /**
   * Run the command repeatedly until its stdout is `stdout`, giving up with `failure` on
   * stderr after `timeoutSeconds`. For waiting on a service; never hangs.
   */
  readonly pollUntil?: { readonly stdout: string; readonly timeoutSeconds: number; readonly failure: string };
}

/** A step: what a single Command resource, or one end-to-end check, runs. */
export interface StepScript {
  /**
   * Registry (`host:port`) the step talks to. When `LAB_REGISTRY_USERNAME` is set, its
   * credentials are written to a docker config in the step's private temporary directory,
   * used by cosign (DOCKER_CONFIG), skopeo (REGISTRY_AUTH_FILE) and syft (SYFT_REGISTRY_AUTH_*),
   * and removed when the step ends.
   */
  readonly registryHost?: string;
  /** The commands, run in order; the step stops at the first that fails. */
  readonly invocations: readonly ToolInvocation[];
  /**
   * Each command is stopped after this long, with a message naming it: a registry that
   * accepts connections but never answers must not hang an update (syft and skopeo have no
   * timeout of their own). Default {@link DEFAULT_COMMAND_TIMEOUT_SECONDS}.
   */
  readonly timeoutSeconds?: number;
}

/** How long one command of a step may run by default. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

/** The variable holding the step's private temporary directory (mode 0700, removed on exit). */
export const STEP_TMP = "lab_tmp";

/**
 * `lab_run SECONDS CMD…`: runs CMD under coreutils `timeout`; when time runs out it says which
 * command and how long, and exits 124.
 */
const LAB_RUN = [
  "lab_run() {",
  '  lab_limit=$1; shift',
  '  lab_status=0; timeout -k 5 "$lab_limit" "$@" || lab_status=$?',
  '  if [ "$lab_status" -eq 124 ] || [ "$lab_status" -eq 137 ]; then',
  '    for lab_word; do case $lab_word in env|*=*) ;; *) break ;; esac; done',
  '    echo "$lab_word did not finish within \${lab_limit}s (is the service it talks to answering?)" >&2; exit 124',
  "  fi",
  '  return "$lab_status"',
  "}",
];

function renderCommand(invocation: ToolInvocation, timeoutSeconds: number): string {
  const env = Object.entries(invocation.env ?? {}).map(([name, value]) => `${name}=${quoteShellWord(value)}`);
  const redirect = invocation.stdoutTo === undefined ? [] : [`>${renderWords([invocation.stdoutTo])}`];
  const envPrefix = env.length > 0 ? ["env", ...env] : [];
  return ["lab_run", String(timeoutSeconds), ...envPrefix, renderWords(invocation.argv), ...redirect].join(" ");
}

function renderInvocation(invocation: ToolInvocation, timeoutSeconds: number): string {
  const poll = invocation.pollUntil;
  if (!poll) {
    return renderCommand(invocation, timeoutSeconds);
  }
  return [
    `lab_deadline=$(( $(date +%s) + ${Math.ceil(poll.timeoutSeconds)} ))`,
    `until [ "$(${renderCommand(invocation, Math.min(timeoutSeconds, 10))} 2>/dev/null || true)" = ${quoteShellWord(poll.stdout)} ]; do`,
    `  if [ "$(date +%s)" -ge "$lab_deadline" ]; then echo ${quoteShellWord(poll.failure)} >&2; exit 1; fi`,
    "  sleep 0.5",
    "done",
    `echo ${quoteShellWord(poll.stdout)}`,
  ].join("\n");
}

function renderRegistryAuth(registryHost: string): string[] {
  const host = quoteShellWord(registryHost);
  const user = SecretEnv.registryUsername;
  const pass = SecretEnv.registryPassword;
  return [
    `if [ -n "\${${user}:-}" ]; then`,
    `  mkdir "$${STEP_TMP}/docker"`,
    `  lab_auth=$(printf '%s:%s' "$${user}" "\${${pass}:-}" | base64 | tr -d '\\n')`,
    `  printf '{"auths":{"%s":{"auth":"%s"}}}\\n' ${host} "$lab_auth" >"$${STEP_TMP}/docker/config.json"`,
    `  export DOCKER_CONFIG="$${STEP_TMP}/docker" REGISTRY_AUTH_FILE="$${STEP_TMP}/docker/config.json"`,
    `  export SYFT_REGISTRY_AUTH_AUTHORITY=${host} SYFT_REGISTRY_AUTH_USERNAME="$${user}" SYFT_REGISTRY_AUTH_PASSWORD="\${${pass}:-}"`,
    `fi`,
  ];
}

/**
 * Renders a step as one `sh` script: strict mode, a private temporary directory that is removed
 * on exit, registry credentials from the environment when present, then the commands, each
 * bounded in time.
 */
export function renderStepScript(step: StepScript): string {
  if (step.invocations.length === 0) {
    throw new Error("a step needs at least one command");
  }
  return [
    "set -eu",
    `${STEP_TMP}=$(mktemp -d)`,
    `trap 'rm -rf "$${STEP_TMP}"' EXIT`,
    ...LAB_RUN,
    ...(step.registryHost ? renderRegistryAuth(step.registryHost) : []),
    ...step.invocations.map((invocation) => renderInvocation(invocation, step.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS)),
  ].join("\n");
}
