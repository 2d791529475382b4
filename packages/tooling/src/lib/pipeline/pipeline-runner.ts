import {
  pipelineSteps,
  stepResult,
  type EnvironmentName,
  type PipelineOptions,
  type PipelineResults,
  type PipelineStep,
  type PipelineValues,
  type StepInputs,
  type StepName,
} from "./pipeline.js";
import { runStep, type StepResult } from "../core/step-runner.js";
import type { StepScript } from "../core/step-script.js";

/**
 * What a pipeline remembers between runs, as Pulumi state does for each Command: the triggers a
 * step last ran with and what it printed. A step whose triggers are unchanged does not run; its
 * remembered stdout stands for it.
 */
export type PipelineMemory = Map<StepName, { readonly triggers: string; readonly stdout: string }>;

/** Runs one step script; `runStep` by default. */
export type PipelineStepRun = (step: StepScript, env: Record<string, string>) => Promise<StepResult>;

/** Arguments of {@link runPipeline}. */
export interface PipelineRun {
  /** Names the image in errors, as the Command resource `<name>-<step>` would. */
  readonly name: string;
  readonly options: PipelineOptions;
  readonly values: Partial<PipelineValues> & Pick<PipelineValues, "ref">;
  /** The environments the steps are handed. */
  readonly environments?: Partial<Record<EnvironmentName, Record<string, string>>>;
  /** Only these steps (with their results handed in through `results`). Default every step of the options. */
  readonly steps?: readonly StepName[];
  /** Results of steps that ran elsewhere. */
  readonly results?: Partial<PipelineResults>;
  /** Remembered triggers and output; updated as steps run. Default none: every step runs. */
  readonly memory?: PipelineMemory;
  readonly run?: PipelineStepRun;
}

/** What a run did: every step's result, and the steps that actually ran (the rest were unchanged). */
export interface PipelineOutcome {
  readonly results: Partial<PipelineResults>;
  readonly ran: readonly StepName[];
}

/** A step that failed, named `<image>-<step>` as its Command resource is. */
export class PipelineStepError extends Error {
  constructor(
    readonly step: string,
    readonly result: StepResult,
  ) {
    super(`${step} failed (exit ${result.exitCode}${result.timedOut ? ", timed out" : ""}):\n${result.stderr}`);
  }
}

/**
 * The local runner of the pipeline: the same steps, triggers and scripts as the Pulumi adapter,
 * run with `/bin/sh -c` as the Command provider runs them. Each step starts once the steps it
 * needs succeeded, independent steps at once; a step whose triggers did not change since the
 * remembered run is skipped. After a failure no further step starts (as the engine stops), the
 * running ones finish, and the first failure is thrown: what needed the failed step never runs.
 */
export async function runPipeline(run: PipelineRun): Promise<PipelineOutcome> {
  const steps = pipelineSteps(run.options, run.steps);
  const execute = run.run ?? ((script, env) => runStep(script, env));
  const results: Partial<PipelineResults> = { ...run.results };
  const ran: StepName[] = [];
  const started = new Map<StepName, Promise<void>>();
  let failed = false;

  const start = (step: PipelineStep): Promise<void> => {
    const already = started.get(step.name);
    if (already) return already;
    const promise = (async () => {
      await Promise.all(step.needs.filter((n) => !(n in (run.results ?? {}))).map((n) => start(stepNamed(steps, n, step))));
      // Steps it only runs after, where this run has them.
      await Promise.all(steps.filter((s) => step.after?.includes(s.name)).map(start));
      if (failed) throw new Error(`${run.name}-${step.name} not started: an earlier step failed`);
      // Exactly what the Pulumi adapter hands the step: the values it reads, the results before it.
      const inputs = stepInputs(step, run.values, results);
      // Without memory every step runs, and the triggers (which may read more) are not needed.
      const triggers = run.memory ? JSON.stringify(step.triggers(inputs, run.options)) : undefined;
      const remembered = run.memory?.get(step.name);
      let stdout = remembered?.stdout;
      if (triggers === undefined || remembered?.triggers !== triggers) {
        const env: Record<string, string> = Object.assign(
          {},
          ...step.environment.map((e) => run.environments?.[e] ?? {}),
          step.variables?.(inputs, run.options) ?? {},
        );
        const result = await execute(step.script(inputs, run.options), env);
        if (result.exitCode !== 0) {
          failed = true;
          throw new PipelineStepError(`${run.name}-${step.name}`, result);
        }
        stdout = result.stdout;
        if (triggers !== undefined) run.memory?.set(step.name, { triggers, stdout });
        ran.push(step.name);
      }
      (results as Record<string, unknown>)[step.name] = stepResult(step, stdout ?? "", run.values.ref, inputs);
    })();
    started.set(step.name, promise);
    return promise;
  };

  const settled = await Promise.allSettled(steps.map(start));
  const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
  // The step that failed, rather than a step it kept from starting.
  const failure = rejected.find((s) => s.reason instanceof PipelineStepError) ?? rejected[0];
  if (failure) throw failure.reason;
  return { results, ran };
}

function stepInputs(step: PipelineStep, values: Partial<PipelineValues>, results: Partial<PipelineResults>): StepInputs {
  const pick = <T extends object>(from: T, keys: readonly string[]) =>
    Object.fromEntries(keys.filter((k) => k in from).map((k) => [k, (from as Record<string, unknown>)[k]]));
  return { ...pick(values, step.reads), ...pick(results, [...step.needs, ...(step.after ?? [])]) } as unknown as StepInputs;
}

function stepNamed(steps: readonly PipelineStep[], name: StepName, of: PipelineStep): PipelineStep {
  const step = steps.find((s) => s.name === name);
  if (!step) throw new Error(`pipeline: step ${of.name} needs ${name}, which is not in this run (hand its result in)`);
  return step;
}
