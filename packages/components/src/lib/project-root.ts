import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The file that marks a Pulumi project's root folder. */
export const PROJECT_FILE = "Pulumi.yaml";

/**
 * The folder of the nearest `Pulumi.yaml` at or above `startDir`. The engine runs the program
 * with the working directory set to the folder of `main` (here `infra`), so relative paths
 * in config (build context, workDir, CA file) are resolved against this folder, never the cwd.
 */
export function findProjectRoot(startDir: string): string {
  let dir = resolve(startDir);
  for (;;) {
    if (existsSync(join(dir, PROJECT_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${PROJECT_FILE} at or above ${startDir}: cannot tell the project root`);
    dir = parent;
  }
}
