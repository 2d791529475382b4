import * as pulumi from "@pulumi/pulumi";
import { installRecordingMocks, outputValue, type RecordingMocks } from "../../../packages/components/src/testing/recording-mocks.js";

import { labProgram } from "../lab.js";

/** The lab program's stack outputs. */
export type LabProgram = ReturnType<typeof labProgram>;

/**
 * Runs the lab program under fresh recording mocks with the given config (keys without the
 * namespace) and returns its outputs. Any number of runs per spec file.
 */
export async function runLabProgram(
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<{ mocks: RecordingMocks; program: LabProgram }> {
  const mocks = await installLabMocks(config, secretKeys);
  const program = labProgram();
  // Every registration of this run lands in these mocks before the next run installs its own.
  await Promise.all(Object.values(program).map((output) => outputValue(pulumi.output(output as pulumi.Input<unknown>))));
  return { mocks, program };
}

/** Installs recording mocks with the lab's config (keys without the namespace). */
export function installLabMocks(config: Record<string, string>, secretKeys: string[] = []): Promise<RecordingMocks> {
  const ns = "signed-image-lab";
  const full = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${ns}:${k}`, v]));
  return installRecordingMocks(
    full,
    secretKeys.map((k) => `${ns}:${k}`),
  );
}
