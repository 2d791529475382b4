#!/usr/bin/env node
// `npm run lab:status`: re-verifies what the stack says is deployed against the registry now.
// Reads `pulumi stack output --json` on stdin; registry credentials, if any, from
// LAB_REGISTRY_USERNAME / LAB_REGISTRY_PASSWORD. Prints the status table; exits 1 on any
// mismatch (a moved tag, a deleted signature or attestation), 2 on unreadable input.
import { text } from "node:stream/consumers";
import { checkDeployedImage, parseDeployedLab, renderStatusTable, type DeployedLab } from "../lib/operations/lab-status.js";
import { SecretEnv } from "../lib/core/step-script.js";
import { runStep } from "../lib/core/step-runner.js";

async function main(): Promise<number> {
  let lab: DeployedLab;
  try {
    // Read as a stream: execa sets fd 0 non-blocking, so a synchronous read of a pipe that is
    // still empty fails with EAGAIN.
    lab = parseDeployedLab(await text(process.stdin));
  } catch (error) {
    console.error(`lab-status: ${(error as Error).message}`);
    return 2;
  }
  const registryEnv: Record<string, string> = {};
  for (const name of [SecretEnv.registryUsername, SecretEnv.registryPassword]) {
    const value = process.env[name];
    if (value) registryEnv[name] = value;
  }
  const tools = { cosign: process.env.LAB_COSIGN, skopeo: process.env.LAB_SKOPEO, node: process.execPath };
  const statuses = await Promise.all(
    Object.entries(lab.images).map(([name, image]) =>
      checkDeployedImage(name, image, lab, (step, env) => runStep(step, env), registryEnv, tools),
    ),
  );
  console.log(renderStatusTable(statuses));
  return statuses.some((s) => s.problems.length > 0) ? 1 : 0;
}

process.exitCode = await main();
