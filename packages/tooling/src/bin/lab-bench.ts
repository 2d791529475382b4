#!/usr/bin/env node
// Benchmark: the seed lab's commands typed by hand, back to back, against the project's
// pipeline on the same image, several runs each; then a no-op re-run of both.
//
//   node packages/tooling/dist/bin/lab-bench.js [--runs N]     (needs docker, cosign, syft, skopeo, curl)
//
// The pipeline is the components' own graph (PIPELINE_STEPS) run by the local runner: the same
// steps, triggers and scripts, independent steps at once, a step whose triggers did not change
// skipped as the Command provider does. It does not run the Pulumi engine: the engine rows below do.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import {
  PINNED_VERSIONS,
  buildImageStep,
  generateKeyPairStep,
  NO_REPAIRS,
  pipelineOptions,
  PRIVATE_KEY_FROM_ENV,
  publicKeyFingerprint,
  PublicEnv,
  pushImageStep,
  removeContainersStep,
  removeImagesStep,
  runPipeline,
  SecretEnv,
  splitCosignKeyPair,
  startRegistryStep,
  waitForRegistryStep,
  type PipelineMemory,
} from "../index.js";
import { runStepOrThrow } from "../lib/core/step-runner.js";
import { seedByHand, seedFromNothing } from "../lib/commands/seed-commands.js";
import { benchEngine } from "../lib/operations/engine-bench.js";
import { engineAvailable, inspectMachine, readToolPins } from "../lib/operations/preflight.js";
import { execa } from "execa";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 5);
const baseImage = process.env.LAB_BASE_IMAGE ?? PINNED_VERSIONS.images.nodeBaseLocal;
const registryImage = process.env.LAB_REGISTRY_IMAGE ?? PINNED_VERSIONS.images.registryLocal;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

function seedByHandIn(registry: string, workDir: string): string {
  return seedByHand({ registry, workDir, context: join(repoRoot, "packages/studentbook"), baseImage });
}

/**
 * Builds and pushes studentbook as docker.Image does, then runs the pipeline's steps with the
 * local runner: the graph the components run, with the Command provider's rule that a step whose
 * triggers did not change since `memory` does not run. Returns the steps that ran.
 */
async function pipeline(
  registry: string,
  workDir: string,
  memory: PipelineMemory,
  keyEnv: Record<string, string>,
  publicKey: string,
): Promise<readonly string[]> {
  const tag = `${registry}/studentbook:1.0`;
  await runStepOrThrow(
    "build",
    buildImageStep({ tag, context: join(repoRoot, "packages/studentbook"), buildArgs: { BASE_IMAGE: baseImage } }),
  );
  const ref = (await runStepOrThrow("push", pushImageStep({ tag }))).trim();
  const fingerprint = publicKeyFingerprint(publicKey);
  const outcome = await runPipeline({
    name: "studentbook",
    options: pipelineOptions({ sbom: { file: join(workDir, "studentbook.spdx.json") } }),
    values: {
      ref,
      keyRef: PRIVATE_KEY_FROM_ENV,
      keyFingerprint: fingerprint,
      verifyKeyFingerprint: fingerprint,
      trustTriggers: [],
      repairs: NO_REPAIRS,
    },
    environments: { signer: keyEnv, verifier: { [PublicEnv.cosignPublicKey]: publicKey } },
    memory,
  });
  return outcome.ran;
}

async function main() {
  const port = await freePort();
  const registry = `localhost:${port}`;
  const container = `lab-bench-${process.pid}`;
  const workDir = mkdtempSync(join(tmpdir(), "lab-bench-"));
  try {
    await runStepOrThrow("registry", startRegistryStep({ name: container, image: registryImage, hostPort: port, authEnabled: false }));
    await runStepOrThrow("registry ready", waitForRegistryStep({ endpoint: registry, authEnabled: false }));
    const password = "bench";
    const pair = splitCosignKeyPair(await runStepOrThrow("key", generateKeyPairStep(), { [SecretEnv.cosignPassword]: password }));
    const keyEnv = { [SecretEnv.cosignPrivateKey]: pair.privateKeyPem, [SecretEnv.cosignPassword]: password };
    const byHandEnv = `export COSIGN_PASSWORD=${password}\n`;
    // Warm-up: the docker build cache and the registry's layers, for both alike.
    await runStepOrThrow("warm-up", { invocations: [{ argv: ["sh", "-c", byHandEnv + seedByHandIn(registry, workDir)] }] });

    const seedTimes: number[] = [];
    const pipelineTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Each run is a fresh lab run: no remembered triggers, so every step runs.
      seedTimes.push(
        await timed(() =>
          runStepOrThrow("seed", { invocations: [{ argv: ["sh", "-c", byHandEnv + seedByHandIn(registry, workDir)] }] }).then(
            () => undefined,
          ),
        ),
      );
      pipelineTimes.push(await timed(() => pipeline(registry, workDir, new Map(), keyEnv, pair.publicKeyPem).then(() => undefined)));
    }
    const state: PipelineMemory = new Map();
    await pipeline(registry, workDir, state, keyEnv, pair.publicKeyPem);
    const noopTimes: number[] = [];
    let noopSteps: readonly string[] = [];
    for (let i = 0; i < runs; i++) {
      noopTimes.push(
        await timed(async () => {
          noopSteps = await pipeline(registry, workDir, state, keyEnv, pair.publicKeyPem);
        }),
      );
    }
    const seed = median(seedTimes);
    const full = median(pipelineTimes);
    const noop = median(noopTimes);
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${runs} runs each, medians`,
    );
    console.log("| run | median s | vs seed by hand |");
    console.log("|---|---|---|");
    console.log(`| seed commands by hand (sign, triangulate, verify, syft, attach) | ${seed.toFixed(2)} | 1.00 |`);
    console.log(`| pipeline, every step (also attest + verify-attestation, inspect) | ${full.toFixed(2)} | ${(full / seed).toFixed(2)} |`);
    console.log(
      `| pipeline, no-op re-run (steps run: ${noopSteps.length === 0 ? "none" : noopSteps.join(", ")}) | ${noop.toFixed(2)} | ${(noop / seed).toFixed(2)} |`,
    );
    await benchAgainstEngine(seed);
  } finally {
    await runStepOrThrow("cleanup", removeContainersStep({ names: [container] })).catch(() => undefined);
    await runStepOrThrow("cleanup", removeImagesStep({ tags: ["studentbook", `${registry}/studentbook:1.0`] })).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The seed by hand from nothing (fresh registry, app run at the end), `runs` times; medians. */
async function seedFromNothingTimes(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const appPort = await freePort();
    const names = { registry: `lab-bench-seed-${process.pid}-${i}`, app: `lab-bench-app-${process.pid}-${i}` };
    const workDir = mkdtempSync(join(tmpdir(), "lab-bench-seed-"));
    const script = seedFromNothing({
      registry: `localhost:${port}`,
      workDir,
      context: join(repoRoot, "packages/studentbook"),
      baseImage,
      registryImage,
      names,
      appPort,
    });
    try {
      times.push(
        await timed(() => execa("sh", ["-c", script], { env: { ...process.env, COSIGN_PASSWORD: "bench" } }).then(() => undefined)),
      );
    } finally {
      await execa("docker", ["rm", "-f", "-v", names.registry, names.app], { reject: false });
      await execa("docker", ["image", "rm", "-f", `localhost:${port}/studentbook:1.0`], { reject: false });
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  return times;
}

/** With the engine's pieces found: the real `lab:up` beside the seed by hand, from nothing and again. */
async function benchAgainstEngine(seedAgain: number): Promise<void> {
  const facts = await inspectMachine(join(repoRoot, ".tools", "bin"), readToolPins());
  if (!engineAvailable(facts)) {
    console.log(
      "\nreal engine: NOT RUN (no pulumi, pulumi-language-nodejs or provider plugins here); the rows above are the step scripts only",
    );
    return;
  }
  const fromNothing = median(await seedFromNothingTimes());
  const engine = await benchEngine(repoRoot, runs, [1, 2, 4]);
  const row = (what: string, xs: number[]) => {
    const m = median(xs);
    return `| ${what} | ${m.toFixed(1)} | ${(m / fromNothing).toFixed(2)} | ${(m / seedAgain).toFixed(2)} |`;
  };
  console.log(`\nreal engine (${facts.pulumi?.version}), npm run lab:up / lab:destroy as typed, ${runs} runs each, medians`);
  console.log("| run | median s | vs seed by hand from nothing | vs seed by hand again |");
  console.log("|---|---|---|---|");
  console.log(
    row("seed by hand from nothing (registry, build, push, inspect, keygen, sign, triangulate, verify, syft, attach, run app)", [
      fromNothing,
    ]),
  );
  console.log(row("seed by hand again (warm registry)", [seedAgain]));
  console.log(row("lab:up from nothing (1 image)", engine.firstUp));
  console.log(row("lab:up, nothing changed (drift check and --refresh included)", engine.noopUp));
  console.log(row("lab:up, one image's source changed", engine.changeUp));
  console.log(row("lab:destroy", engine.destroy));
  for (const n of [2, 4]) {
    const xs = engine.imagesUp[n] ?? [];
    console.log(`${row(`lab:up from nothing, ${n} images`, xs)} ${(median(xs) / median(engine.firstUp)).toFixed(2)}× one image |`);
  }
}

await main();
