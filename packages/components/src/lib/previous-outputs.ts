import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The root stack outputs the last update of `stack` wrote into a file backend's checkpoint
 * (`<dir>/.pulumi/stacks/<project>/<stack>.json`), or undefined when there is none yet.
 * The engine may be writing the file at that moment (a StackReference to the stack itself
 * failed with `failed to load checkpoint: EOF` at the start of an update): an unreadable file
 * is read again, for up to `attempts` × 100 ms.
 */
export function readCheckpointOutputs(
  backendUrl: string,
  project: string,
  stack: string,
  attempts = 30,
): Record<string, unknown> | undefined {
  const file = join(fileURLToPath(backendUrl), ".pulumi", "stacks", project, `${stack}.json`);
  for (let attempt = 1; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      const checkpoint = JSON.parse(text) as {
        checkpoint?: { latest?: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
      };
      return checkpoint.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;
    } catch (error) {
      if (attempt >= attempts) throw new Error(`${file} could not be read as a checkpoint: ${(error as Error).message}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}
