import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SecretEnv } from "@signed-image-lab/tooling";
/**
 * A Command resource running one step script with `/bin/sh -c`. Its stdout is logged never
 * (secret steps) or only as stderr, so command output cannot leak what it was handed.
 */
export function stepCommand(name, args, opts) {
    return new command.local.Command(name, {
        create: args.script,
        delete: args.deleteScript,
        environment: args.environment,
        triggers: args.triggers,
        logging: args.secretStdout ? "none" : "stderr",
    }, { ...opts, additionalSecretOutputs: args.secretStdout ? ["stdout"] : [] });
}
/** `value`, resolving only once `step` has succeeded: ordering carried by data. */
export function afterStep(step, value) {
    return pulumi.all([step.stdout, value]).apply(([, resolved]) => resolved);
}
/** The step environment that hands registry credentials to a step, or nothing without auth. */
export function registryEnvironment(credentials) {
    if (credentials === undefined) {
        return pulumi.output({});
    }
    return pulumi.secret(pulumi.output(credentials).apply((c) => ({
        [SecretEnv.registryUsername]: c.username,
        [SecretEnv.registryPassword]: c.password,
    })));
}
/** Merges step environments; the result is secret when any part is. */
export function mergeEnvironments(...parts) {
    return pulumi.all(parts.map((p) => pulumi.output(p))).apply((resolved) => Object.assign({}, ...resolved));
}
//# sourceMappingURL=step-command.js.map