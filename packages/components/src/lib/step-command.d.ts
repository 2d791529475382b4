import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
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
    readonly triggers: pulumi.Input<unknown>[];
    /** Script run when the resource is deleted. */
    readonly deleteScript?: pulumi.Input<string>;
    /** The step prints secret material: keep stdout out of the logs and encrypted in state. */
    readonly secretStdout?: boolean;
}
/**
 * A Command resource running one step script with `/bin/sh -c`. Its stdout is logged never
 * (secret steps) or only as stderr, so command output cannot leak what it was handed.
 */
export declare function stepCommand(name: string, args: StepCommandArgs, opts: pulumi.CustomResourceOptions): command.local.Command;
/** `value`, resolving only once `step` has succeeded: ordering carried by data. */
export declare function afterStep<T>(step: command.local.Command, value: pulumi.Input<T>): pulumi.Output<T>;
/** The step environment that hands registry credentials to a step, or nothing without auth. */
export declare function registryEnvironment(credentials?: pulumi.Input<RegistryCredentials>): pulumi.Output<Record<string, string>>;
/** Merges step environments; the result is secret when any part is. */
export declare function mergeEnvironments(...parts: pulumi.Input<Record<string, pulumi.Input<string>>>[]): pulumi.Output<Record<string, string>>;
