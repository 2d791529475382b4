#!/usr/bin/env node
// `npm run lab:explain`: per seed step, what the lab ran, its result and how to check it by hand.
// Reads `{"outputs": <pulumi stack output --json>, "config": <pulumi config --json>}` on stdin
// (lab.sh sends it; no secret values in either) and the stack from LAB_STACK. `--json` prints the
// explanation as data (the acceptance suite runs each check).
import { text } from "node:stream/consumers";
import { explainedConfig, explainLab, renderExplanation, type ExplainedOutputs } from "../lib/operations/lab-explain.js";

async function main(): Promise<number> {
  let input: { outputs?: ExplainedOutputs; config?: unknown };
  try {
    input = JSON.parse(await text(process.stdin)) as typeof input;
  } catch (error) {
    console.error(`lab-explain: unreadable input: ${(error as Error).message}`);
    return 2;
  }
  if (!input.outputs?.images || Object.keys(input.outputs.images).length === 0) {
    console.error("lab-explain: the stack has no image outputs: is the lab up? (npm run lab:up)");
    return 1;
  }
  const lab = explainLab(input.outputs, explainedConfig(JSON.stringify(input.config ?? {})), process.env.LAB_STACK ?? "dev");
  console.log(process.argv.includes("--json") ? JSON.stringify(lab, null, 2) : renderExplanation(lab));
  return 0;
}

process.exitCode = await main();
