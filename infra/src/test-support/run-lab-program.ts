import { installRecordingMocks, type RecordingMocks } from "../../../packages/components/src/test-support/recording-mocks.js";

/** The lab program's module: its stack outputs. */
export type LabProgram = typeof import("../index.js");

/**
 * Runs the lab program once under recording mocks with the given config (keys without the
 * namespace) and returns its outputs. One run per spec file: the program registers at import.
 */
export async function runLabProgram(
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<{ mocks: RecordingMocks; program: LabProgram }> {
  const mocks = await installLabMocks(config, secretKeys);
  const program = await import("../index.js");
  return { mocks, program };
}

/** Installs recording mocks with the lab's config (keys without the namespace). */
export function installLabMocks(config: Record<string, string>, secretKeys: string[] = []): Promise<RecordingMocks> {
  const ns = "signed-image-lab";
  const full = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${ns}:${k}`, v]));
  return installRecordingMocks(full, secretKeys.map((k) => `${ns}:${k}`));
}
