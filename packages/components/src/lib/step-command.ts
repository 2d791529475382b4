import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  SecretEnv,
  STEP_COMMAND_LINE,
  STEP_DELETE_COMMAND_LINE,
  STEP_DELETE_SCRIPT_ENV,
  STEP_SCRIPT_ENV,
  withStepEnvNames,
} from "@signed-image-lab/tooling";

/** Credentials for a registry with auth. Both travel as secrets. */
export interface RegistryCredentials {
  readonly username: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
}

/** Arguments of {@link stepCommand}. */
export interface StepCommandArgs {
  /** The rendered step script (from `@signed-image-lab/tooling`). */
  readonly script: pulumi.Input<string>;
  /** Variables for the step; secrets go here, never into the script. */
  readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Exactly what should make the step run again. */
  readonly triggers: pulumi.Input<unknown[]>;
  /** Script run when the resource is deleted. */
  readonly deleteScript?: pulumi.Input<string>;
  /**
   * Delete the original before its replacement is made. For a step whose delete script removes
   * what its replacement writes: in the default order (the replacement first, then the original's
   * delete) the original's `rm -f` removed the file the replacement had just written. Pulumi then
   * replaces everything that depends on the step too, so only steps nothing depends on set it.
   */
  readonly deleteFirst?: boolean;
  /** The step prints secret material: keep stdout out of the logs and encrypted in state. */
  readonly secretStdout?: boolean;
}

/**
 * A Command resource running one step script with `/bin/sh -c`. The script travels in the
 * step's environment and the command line only names it, so a failure reads as the tool's own
 * message and one line, not the whole script. The step keeps only the variables named here
 * ({@link withStepEnvNames}) and a few basics of the inherited environment. Its stdout is logged never (secret steps) or only
 * as stderr, so command output cannot leak what it was handed.
 */
export function stepCommand(name: string, args: StepCommandArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const scripts: Record<string, pulumi.Input<string>> = { [STEP_SCRIPT_ENV]: args.script };
  if (args.deleteScript !== undefined) scripts[STEP_DELETE_SCRIPT_ENV] = args.deleteScript;
  return new command.local.Command(
    name,
    {
      create: STEP_COMMAND_LINE,
      delete: args.deleteScript === undefined ? undefined : STEP_DELETE_COMMAND_LINE,
      environment: mergeEnvironments(args.environment ?? {}, scripts).apply(withStepEnvNames),
      triggers: args.triggers,
      // The provider would hand a re-run step its previous stdout (for key generation: the key).
      addPreviousOutputInEnv: false,
      logging: args.secretStdout ? "none" : "stderr",
    },
    {
      ...opts,
      additionalSecretOutputs: args.secretStdout ? ["stdout"] : [],
      ...(args.deleteFirst ? { deleteBeforeReplace: true } : {}),
    },
  );
}

/** `value`, resolving only once `step` has succeeded: ordering carried by data. */
export function afterStep<T>(step: command.local.Command, value: pulumi.Input<T>): pulumi.Output<T> {
  return pulumi.all([step.stdout, value]).apply(([, resolved]) => resolved as T);
}

/** The step environment that hands registry credentials to a step, or nothing without auth. */
export function registryEnvironment(credentials?: pulumi.Input<RegistryCredentials>): pulumi.Output<Record<string, string>> {
  return credentialsEnvironment(credentials, SecretEnv.registryUsername, SecretEnv.registryPassword);
}

function credentialsEnvironment(
  credentials: pulumi.Input<RegistryCredentials> | undefined,
  user: string,
  password: string,
): pulumi.Output<Record<string, string>> {
  if (credentials === undefined) {
    return pulumi.output<Record<string, string>>({});
  }
  return pulumi.secret(pulumi.output(credentials).apply((c): Record<string, string> => ({ [user]: c.username, [password]: c.password })));
}

/** The step environment that hands a promotion's target registry credentials to a step, or nothing without auth. */
export function targetEnvironment(credentials?: pulumi.Input<RegistryCredentials>): pulumi.Output<Record<string, string>> {
  return credentialsEnvironment(credentials, SecretEnv.targetRegistryUsername, SecretEnv.targetRegistryPassword);
}

/** Merges step environments; the result is secret when any part is. */
export function mergeEnvironments(...parts: pulumi.Input<Record<string, pulumi.Input<string>>>[]): pulumi.Output<Record<string, string>> {
  return pulumi.all(parts.map((p) => pulumi.output(p))).apply((resolved) => Object.assign({}, ...resolved) as Record<string, string>);
}
