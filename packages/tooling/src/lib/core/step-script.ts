import { isRegistryHost } from "./image-ref.js";
import { expand, renderWords, quoteShellWord, type ShellExpansion, type Word } from "./shell-words.js";

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
  /**
   * User of the registry a promotion copies to ({@link StepScript.targetRegistryHost}); when set,
   * the step writes a second private docker config, {@link TARGET_REGISTRY_CONFIG_FILE}.
   */
  targetRegistryUsername: "LAB_TARGET_REGISTRY_USERNAME",
  /** Password for {@link SecretEnv.targetRegistryUsername}. */
  targetRegistryPassword: "LAB_TARGET_REGISTRY_PASSWORD",
} as const;

/** Environment variables that carry public material into a step. */
export const PublicEnv = {
  /** The cosign public key PEM, read by cosign through `--key env://…`. */
  cosignPublicKey: "COSIGN_PUBLIC_KEY",
  /**
   * The lab's Sigstore trusted root JSON (its timestamp authority's certificate chain), written
   * to a file in the step's temporary directory for cosign's `--trusted-root`.
   */
  trustedRoot: "LAB_TRUSTED_ROOT",
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
  /**
   * Registry (`host:port`) a promotion copies to. When `LAB_TARGET_REGISTRY_USERNAME` is set, its
   * credentials are written to a docker config of its own, {@link TARGET_REGISTRY_CONFIG_FILE},
   * which only a tool that names it reads (oras `--to-registry-config`); removed when the step
   * ends. Kept apart from {@link StepScript.registryHost}'s so that the two may be one host.
   */
  readonly targetRegistryHost?: string;
  /** The commands, run in order; the step stops at the first that fails. */
  readonly invocations: readonly ToolInvocation[];
  /** What the step works on (an image ref), named in its one-line failure message. */
  readonly subject?: string;
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
 * Prefix of every step's private temporary directory in TMPDIR. Each holds the step shell's pid
 * in `pid`: a step killed with SIGKILL cannot remove its directory, and the next `lab:up`
 * removes those whose pid is gone (`lab-recover`).
 */
export const STEP_TMP_PREFIX = "lab-step.";

/**
 * The docker config holding {@link StepScript.registryHost}'s credentials (when
 * `LAB_REGISTRY_USERNAME` is set; absent otherwise, which oras takes as no credentials).
 */
export const REGISTRY_CONFIG_FILE: ShellExpansion = expand(STEP_TMP, "/docker/config.json");

/** The docker config holding {@link StepScript.targetRegistryHost}'s credentials, likewise. */
export const TARGET_REGISTRY_CONFIG_FILE: ShellExpansion = expand(STEP_TMP, "/target-docker/config.json");

/** Set in a step's environment (`LAB_DEBUG=1`), a failing step prints its whole script. */
export const DEBUG_ENV = "LAB_DEBUG";

/**
 * A Command resource hands its rendered step script over in this variable and runs
 * {@link STEP_COMMAND_LINE}: an error the provider reports then quotes one short line, not
 * the whole script (twice).
 */
export const STEP_SCRIPT_ENV = "LAB_STEP_SCRIPT";

/** The delete script of a Command resource, handed over like {@link STEP_SCRIPT_ENV}. */
export const STEP_DELETE_SCRIPT_ENV = "LAB_STEP_DELETE_SCRIPT";

/**
 * The names of the variables a runner hands a step on purpose (space-separated). A step unsets
 * every other variable it inherited before any tool runs, except {@link STEP_BASE_ENV}: the
 * Command provider passes its whole environment on (PULUMI_CONFIG_PASSPHRASE,
 * PULUMI_ACCESS_TOKEN, cloud credentials), and no tool of a step needs those.
 */
export const STEP_ENV_NAMES_ENV = "LAB_STEP_ENV";

/** What every step keeps of the environment it inherits: where tools, home and temp are, locale, proxies, the docker daemon. */
export const STEP_BASE_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "TMPDIR",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TERM",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  STEP_ENV_NAMES_ENV,
  "LAB_STEP_SCRIPT",
  "LAB_STEP_DELETE_SCRIPT",
  "LAB_DEBUG",
] as const;

/** `env` plus {@link STEP_ENV_NAMES_ENV} naming its keys: what a runner gives a step. */
export function withStepEnvNames(env: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...env,
    [STEP_ENV_NAMES_ENV]: Object.keys(env)
      .filter((k) => k !== STEP_ENV_NAMES_ENV)
      .join(" "),
  };
}

/** What a Command resource runs: the step script from {@link STEP_SCRIPT_ENV}. */
export const STEP_COMMAND_LINE = `exec /bin/sh -c "$${STEP_SCRIPT_ENV}"`;

/** What a Command resource runs on delete: the script from {@link STEP_DELETE_SCRIPT_ENV}. */
export const STEP_DELETE_COMMAND_LINE = `${STEP_SCRIPT_ENV}=$${STEP_DELETE_SCRIPT_ENV} exec /bin/sh -c "$${STEP_DELETE_SCRIPT_ENV}"`;

/**
 * `lab_run SECONDS CMD…`: runs CMD under coreutils `timeout`; when time runs out it says which
 * command and how long, and exits 124. Any other failure ends the step with one line naming
 * the tool, its exit status, how long it ran and the step's subject, after the tool's own
 * message.
 */
const LAB_RUN = [
  "lab_run() {",
  "  lab_limit=$1; shift",
  "  for lab_word; do case $lab_word in env|*=*) ;; *) break ;; esac; done",
  // In the background and waited for, so that a signal to the step runs its traps at once.
  '  lab_started=$(date +%s); lab_status=0; timeout -k 5 "$lab_limit" "$@" & lab_child=$!; wait "$lab_child" || lab_status=$?',
  '  if [ "$lab_status" -eq 124 ] || [ "$lab_status" -eq 137 ]; then',
  '    echo "$lab_word did not finish within ${lab_limit}s (is the service it talks to answering?)" >&2; exit 124',
  "  fi",
  '  if [ "$lab_status" -ne 0 ]; then',
  '    echo "lab: ${lab_word##*/} failed (exit $lab_status after $(( $(date +%s) - lab_started ))s)${lab_subject:+ for $lab_subject}" >&2',
  '    exit "$lab_status"',
  "  fi",
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

/**
 * Unsets every inherited variable but {@link STEP_BASE_ENV} and those named in
 * {@link STEP_ENV_NAMES_ENV}. `env` may print a multi-line value whose later lines look like
 * names (the script itself is such a value): unsetting those is harmless, except the script's
 * own `lab_*` variables, which are never unset.
 */
const SCRUB_ENVIRONMENT = [
  `lab_keep=" ${STEP_BASE_ENV.join(" ")} \${${STEP_ENV_NAMES_ENV}:-} "`,
  "for lab_name in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do",
  "  case $lab_name in lab_*) continue ;; esac",
  '  case $lab_keep in *" $lab_name "*) ;; *) unset "$lab_name" 2>/dev/null || true ;; esac',
  "done",
];

/**
 * Removes the private directories of earlier steps that were killed (SIGKILL, the provider's
 * time limit) before their EXIT trap ran: only this user's, only those whose step is gone. They
 * may hold a docker config with registry credentials.
 */
const SWEEP_KILLED_STEPS = [
  `for lab_old in "\${TMPDIR:-/tmp}"/${STEP_TMP_PREFIX}*; do`,
  '  [ -O "$lab_old" ] && [ -s "$lab_old/pid" ] || continue',
  '  kill -0 "$(cat "$lab_old/pid")" 2>/dev/null || rm -rf "$lab_old"',
  "done",
];

function checkedRegistryHost(registryHost: string): string {
  if (!isRegistryHost(registryHost)) {
    throw new Error(`not a registry host[:port]: ${JSON.stringify(registryHost.slice(0, 200))}`);
  }
  return quoteShellWord(registryHost);
}

/** `$lab_auth`: base64 of `user:password` from the variables `user` and `pass`. */
function renderAuthValue(user: string, pass: string): string {
  return `  lab_auth=$(printf '%s:%s' "$${user}" "\${${pass}:-}" | base64 | tr -d '\\n')`;
}

function renderRegistryAuth(registryHost: string): string[] {
  const host = checkedRegistryHost(registryHost);
  const user = SecretEnv.registryUsername;
  const pass = SecretEnv.registryPassword;
  return [
    `if [ -n "\${${user}:-}" ]; then`,
    `  mkdir "$${STEP_TMP}/docker"`,
    renderAuthValue(user, pass),
    `  printf '{"auths":{"%s":{"auth":"%s"}}}\\n' ${host} "$lab_auth" >"$${STEP_TMP}/docker/config.json"`,
    `  export DOCKER_CONFIG="$${STEP_TMP}/docker" REGISTRY_AUTH_FILE="$${STEP_TMP}/docker/config.json"`,
    `  export SYFT_REGISTRY_AUTH_AUTHORITY=${host} SYFT_REGISTRY_AUTH_USERNAME="$${user}" SYFT_REGISTRY_AUTH_PASSWORD="\${${pass}:-}"`,
    `fi`,
  ];
}

/** The target registry's credentials in {@link TARGET_REGISTRY_CONFIG_FILE}; nothing exported. */
function renderTargetRegistryAuth(registryHost: string): string[] {
  const host = checkedRegistryHost(registryHost);
  const user = SecretEnv.targetRegistryUsername;
  const pass = SecretEnv.targetRegistryPassword;
  return [
    `if [ -n "\${${user}:-}" ]; then`,
    `  mkdir "$${STEP_TMP}/target-docker"`,
    renderAuthValue(user, pass),
    `  printf '{"auths":{"%s":{"auth":"%s"}}}\\n' ${host} "$lab_auth" >"$${STEP_TMP}/target-docker/config.json"`,
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
    ...SCRUB_ENVIRONMENT,
    ...SWEEP_KILLED_STEPS,
    // No colour codes in what the engine shows; a signal still runs the EXIT trap.
    "export NO_COLOR=1",
    `${STEP_TMP}=$(mktemp -d "\${TMPDIR:-/tmp}/${STEP_TMP_PREFIX}XXXXXX")`,
    `echo $$ >"$${STEP_TMP}/pid"`,
    `trap 'lab_exit=$?; rm -rf "$${STEP_TMP}"; if [ "$lab_exit" -ne 0 ] && [ -n "\${${DEBUG_ENV}:-}" ]; then printf "lab: the step was:\\n%s\\n" "\${${STEP_SCRIPT_ENV}:-}" >&2; fi' EXIT`,
    ...[
      ["HUP", 129],
      ["INT", 130],
      ["TERM", 143],
    ].map(([signal, code]) => `trap 'kill "\${lab_child:-}" 2>/dev/null; exit ${code}' ${signal}`),
    ...(step.subject ? [`lab_subject=${quoteShellWord(step.subject)}`] : []),
    ...LAB_RUN,
    ...(step.registryHost ? renderRegistryAuth(step.registryHost) : []),
    ...(step.targetRegistryHost ? renderTargetRegistryAuth(step.targetRegistryHost) : []),
    ...step.invocations.map((invocation) => renderInvocation(invocation, step.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS)),
  ].join("\n");
}
