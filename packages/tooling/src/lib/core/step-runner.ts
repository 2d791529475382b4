import { renderStepScript, withStepEnvNames, type StepScript } from "./step-script.js";
import { execa } from "execa";

/** What a step printed and how it ended. */
export interface StepResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** Variables a step inherits from the test process; everything else is given explicitly. */
const INHERITED = ["PATH", "HOME", "DOCKER_HOST", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/**
 * Runs a step exactly as a Command resource would (`/bin/sh -c <rendered script>`) with only
 * the given variables and a few inherited ones, so that credentials from the machine's own
 * docker login cannot make a test pass.
 */
export async function runStep(step: StepScript, env: Record<string, string> = {}, timeoutMs = 180_000): Promise<StepResult> {
  const started = Date.now();
  const inherited = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
  const result = await execa("/bin/sh", ["-c", renderStepScript(step)], {
    env: { ...inherited, ...withStepEnvNames(env) },
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
    stdin: "ignore",
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
  };
}

/** Runs a step and throws with its stderr when it fails. */
export async function runStepOrThrow(
  what: string,
  step: StepScript,
  env: Record<string, string> = {},
  timeoutMs?: number,
): Promise<string> {
  const result = await runStep(step, env, timeoutMs);
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${result.exitCode}${result.timedOut ? ", timed out" : ""}):\n${result.stderr}`);
  }
  return result.stdout;
}
