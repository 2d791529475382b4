import { requiredTool, toolProblems, type LabConfig, type RequiredTool } from "@signed-image-lab/tooling";
import { stacklessRunError } from "./stack-config.js";

/** The tools a lab with these settings runs on the machine of `pulumi up`. */
export function labTools(config: LabConfig): RequiredTool[] {
  const { tools } = config;
  return [
    requiredTool("docker"),
    requiredTool("cosign", tools.cosign),
    requiredTool("syft", tools.syft),
    requiredTool("skopeo", tools.skopeo),
    requiredTool("curl", tools.curl),
    requiredTool("node", tools.node),
    ...(config.promotion ? [requiredTool("oras", tools.oras)] : []),
    ...(config.vaultDevServer ? [requiredTool("bao", tools.bao)] : []),
  ];
}

/**
 * Fails, before anything is created, when a tool the lab runs is missing or not at its pinned
 * version, naming each and how to obtain it (a Pulumi RunError: its message, no stack trace).
 */
export function requireLabTools(config: LabConfig, path = process.env.PATH ?? ""): void {
  const problems = toolProblems(labTools(config), path);
  if (problems.length > 0) {
    throw stacklessRunError(`the lab's tools are not ready on this machine:\n  ${problems.join("\n  ")}`);
  }
}
