import * as pulumi from "@pulumi/pulumi";
import {
  renderPipelineStep,
  renderStepScript,
  stepResult,
  type EnvironmentName,
  type PipelineOptions,
  type PipelineResults,
  type PipelineStep,
  type PipelineValues,
  type StepInputs,
  type StepName,
} from "@signed-image-lab/tooling";
import { mergeEnvironments, stepCommand } from "./step-command.js";

/** The pipeline's values as Pulumi inputs. */
export type PipelineValueInputs = { readonly [K in keyof PipelineValues]: pulumi.Input<PipelineValues[K]> };

/** Step results as outputs: those the adapter made, and those handed in from steps run elsewhere. */
export type PipelineResultOutputs = { [N in StepName]?: pulumi.Output<PipelineResults[N]> };

/** Arguments of {@link pipelineCommands}. */
export interface PipelineCommandsArgs {
  /** The steps to run here (from `pipelineSteps`), each after the steps it needs. */
  readonly steps: readonly PipelineStep[];
  readonly options: PipelineOptions;
  /** The values the steps read (at least the digest reference). */
  readonly values: Partial<PipelineValueInputs> & Pick<PipelineValueInputs, "ref">;
  /** The environments the steps are handed; secrets stay secret. */
  readonly environments: Partial<Record<EnvironmentName, pulumi.Input<Record<string, pulumi.Input<string>>>>>;
  /** Results of steps that run in another component (e.g. `sign` for the SBOM's attest). */
  readonly results?: PipelineResultOutputs;
}

/**
 * The Pulumi runner of the pipeline: one Command resource `<name>-<step>` per step, whose script
 * and triggers the step's data builds from the values it reads and the results of the steps it
 * needs. A step's result resolves only once its Command succeeded, so whatever reads it waits.
 */
export function pipelineCommands(name: string, args: PipelineCommandsArgs, parent: pulumi.Resource): PipelineResultOutputs {
  const results: PipelineResultOutputs = { ...args.results };
  const values = args.values as Record<string, pulumi.Input<unknown>>;
  for (const step of args.steps) {
    const needed = step.needs.map((need) => {
      const result = results[need];
      if (result === undefined) throw new Error(`pipeline ${name}: step ${step.name} needs ${need}, which is not in this graph`);
      return [need, result] as const;
    });
    // Steps it only runs after, where this graph has them.
    const preceding = (step.after ?? []).flatMap((before) => {
      const result = results[before];
      return result === undefined ? [] : [[before, result] as const];
    });
    const read = step.reads.map((key) => [key, given(values, key, `pipeline ${name}: step ${step.name} reads ${key}`)] as const);
    const picked: Record<string, pulumi.Input<unknown>> = Object.fromEntries([...read, ...needed, ...preceding]);
    const inputs = pulumi.all(picked) as unknown as pulumi.Output<StepInputs>;
    const command = stepCommand(
      `${name}-${step.name}`,
      {
        script: inputs.apply((i) => renderPipelineStep(step, i, args.options)),
        environment: mergeEnvironments(
          ...step.environment.map((e) => given(args.environments, e, `pipeline ${name}: step ${step.name} is handed the ${e} environment`)),
          ...(step.variables ? [inputs.apply((i) => step.variables?.(i, args.options) ?? {})] : []),
        ),
        triggers: inputs.apply((i) => [...step.triggers(i, args.options)]),
        deleteScript: step.deleteScript ? renderStepScript(step.deleteScript(args.options)) : undefined,
        deleteFirst: step.deleteFirst,
      },
      { parent },
    );
    // The result holds the step's stdout and the digest, and only a parser's own inputs: never
    // a value a step merely read (a secret one would make the result secret).
    const parsed = step.parse ? inputs : pulumi.output({} as StepInputs);
    (results as Record<string, pulumi.Output<unknown>>)[step.name] = pulumi
      .all([command.stdout, pulumi.output(values.ref) as pulumi.Output<string>, parsed])
      .apply(([stdout, ref, i]) => stepResult(step, stdout, ref, i));
  }
  return results;
}

function given<T>(record: Readonly<Record<string, T | undefined>>, key: string, what: string): T {
  const value = record[key];
  if (value === undefined) throw new Error(`${what}, which was not given`);
  return value;
}

/** The output of a step the adapter ran; a clear error when the graph had no such step. */
export function stepOutput<N extends StepName>(results: PipelineResultOutputs, step: N): pulumi.Output<PipelineResults[N]> {
  const output = results[step];
  if (output === undefined) throw new Error(`pipeline: step ${step} did not run here`);
  return output as pulumi.Output<PipelineResults[N]>;
}
