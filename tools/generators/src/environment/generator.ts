import { logger, type Tree } from "@nx/devkit";
import { planEnvironment, type EnvironmentOptions } from "./environment-config.js";

/** Lets a committed stack file through `.gitignore`, which ignores every `Pulumi.<stack>.yaml`. */
function allowInGit(tree: Tree, path: string): void {
  const current = tree.read(".gitignore", "utf-8");
  const line = `!/${path}`;
  if (current === null || current.split("\n").includes(line)) return;
  tree.write(".gitignore", `${current}${current.endsWith("\n") || current === "" ? "" : "\n"}${line}\n`);
}

/**
 * `nx g @signed-image-lab/generators:environment <name>`: writes `Pulumi.<name>.yaml` with
 * validated, documented defaults and prints the secret-setting next steps. Refuses to
 * overwrite an environment that exists.
 */
export default async function environmentGenerator(tree: Tree, options: EnvironmentOptions): Promise<() => void> {
  const plan = planEnvironment(options);
  if (tree.exists(plan.path)) {
    throw new Error(`${plan.path} exists already: environment "${options.name}" is not overwritten`);
  }
  tree.write(plan.path, plan.yaml);
  if (plan.committed) allowInGit(tree, plan.path);
  return () => {
    logger.info(`Environment "${options.name}" written to ${plan.path}. Next steps:`);
    if (plan.environment.length > 0) {
      logger.info("First, on every machine, the team's environment (never in a committed file):");
      for (const line of plan.environment) logger.info(`  ${line}`);
      logger.info("Then:");
    }
    for (const step of plan.nextSteps) logger.info(`  ${step}`);
  };
}
