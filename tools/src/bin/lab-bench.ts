#!/usr/bin/env node
// Benchmark: the seed lab's commands typed by hand, back to back, against the project's
// pipeline on the same image, several runs each; then a no-op re-run of both.
//
//   node tools/dist/bin/lab-bench.js [--runs N]     (needs docker, cosign, syft, skopeo, curl)
//
// The pipeline runs the same step scripts the Command resources run, in the order of the
// Pulumi graph (independent steps at once), and skips a step whose triggers did not change,
// as the Command provider does. It does not run the Pulumi engine: see the README for real `pulumi up` runs.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import {
  attachSbomStep,
  attestStep,
  buildImageStep,
  generateKeyPairStep,
  inspectStep,
  parseSbomSummary,
  PRIVATE_KEY_FROM_ENV,
  publicKeyFingerprint,
  PublicEnv,
  pushImageStep,
  removeContainersStep,
  removeImagesStep,
  scanStep,
  SecretEnv,
  signStep,
  splitCosignKeyPair,
  startRegistryStep,
  triangulateStep,
  verifyAttestationStep,
  verifyStep,
  waitForRegistryStep,
  type StepScript,
} from "../index.js";
import { runStepOrThrow } from "../lib/step-runner.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 5);
const baseImage = process.env.LAB_BASE_IMAGE ?? "signed-image-lab/node-base:bookworm";
const registryImage = process.env.LAB_REGISTRY_IMAGE ?? "signed-image-lab/registry:2.8.2";

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

/** The seed's commands as a student types them (errata fixed only where they would not run). */
function seedByHand(registry: string, workDir: string): string {
  const tag = `${registry}/studentbook:1.0`;
  return [
    "set -eu",
    `cd ${workDir}`,
    `docker build -q -t studentbook --build-arg BASE_IMAGE=${baseImage} ${repoRoot}/packages/studentbook >/dev/null`,
    `docker image tag studentbook ${tag}`,
    `docker push -q ${tag} >/dev/null`,
    `skopeo inspect --tls-verify=false docker://${registry}/studentbook:1.0 >/dev/null`,
    "rm -f cosign.key cosign.pub",
    "cosign generate-key-pair >/dev/null 2>&1",
    `cosign sign --key cosign.key --tlog-upload=false --use-signing-config=false --new-bundle-format=false -y ${tag} 2>/dev/null`,
    `cosign triangulate ${tag} >/dev/null 2>&1`,
    `cosign verify --key cosign.pub --insecure-ignore-tlog ${tag} >/dev/null 2>&1`,
    `SYFT_CHECK_FOR_APP_UPDATE=false SYFT_REGISTRY_INSECURE_USE_HTTP=true syft packages ${tag} --scope all-layers -o spdx-json > sb-image.spdx 2>/dev/null`,
    `cosign attach sbom --sbom sb-image.spdx --type spdx --input-format json ${tag} 2>/dev/null`,
  ].join("\n");
}

/** What the pipeline remembers between runs: each step's last triggers, as Pulumi state does. */
type Triggers = Map<string, string>;

async function pipeline(registry: string, workDir: string, state: Triggers, keyEnv: Record<string, string>, publicKey: string): Promise<string[]> {
  const ran: string[] = [];
  const step = async (name: string, triggers: unknown[], script: StepScript, env: Record<string, string> = {}) => {
    const key = JSON.stringify(triggers);
    if (state.get(name) === key) return undefined;
    const out = await runStepOrThrow(name, script, env);
    state.set(name, key);
    ran.push(name);
    return out;
  };
  const tag = `${registry}/studentbook:1.0`;
  await runStepOrThrow("build", buildImageStep({ tag, context: join(repoRoot, "packages/studentbook"), buildArgs: { BASE_IMAGE: baseImage } }));
  const ref = (await runStepOrThrow("push", pushImageStep({ tag }))).trim();
  const fingerprint = publicKeyFingerprint(publicKey);
  const verifier = { [PublicEnv.cosignPublicKey]: publicKey };
  const sbomFile = join(workDir, "studentbook.spdx.json");
  const signAndScan = async () => {
    await step("sign", [ref, fingerprint], signStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" }), keyEnv);
    const [, , scanned] = await Promise.all([
      step("verify", [ref, fingerprint], verifyStep({ ref, format: "legacy" }), verifier),
      step("triangulate", [ref], triangulateStep({ ref })),
      step("scan", [ref], scanStep({ ref, outFile: sbomFile, format: "spdx-json" })),
    ]);
    const sha = scanned ? parseSbomSummary(scanned).sha256 : state.get("scan:sha256");
    if (scanned) state.set("scan:sha256", sha ?? "");
    await Promise.all([
      step("attach", [ref, sha], attachSbomStep({ ref, sbomFile, sbomFormat: "spdx-json" })),
      (async () => {
        await step("attest", [ref, sha, fingerprint], attestStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, predicateFile: sbomFile, sbomFormat: "spdx-json", format: "legacy" }), keyEnv);
        await step("verify-attestation", [ref, sha, fingerprint], verifyAttestationStep({ ref, sbomFormat: "spdx-json", format: "legacy" }), verifier);
      })(),
    ]);
  };
  await Promise.all([step("inspect", [ref], inspectStep({ ref })), signAndScan()]);
  return ran;
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
    await runStepOrThrow("warm-up", { invocations: [{ argv: ["sh", "-c", byHandEnv + seedByHand(registry, workDir)] }] });

    const seedTimes: number[] = [];
    const pipelineTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Each run is a fresh lab run: no remembered triggers, so every step runs.
      seedTimes.push(await timed(() => runStepOrThrow("seed", { invocations: [{ argv: ["sh", "-c", byHandEnv + seedByHand(registry, workDir)] }] }).then(() => undefined)));
      pipelineTimes.push(await timed(() => pipeline(registry, workDir, new Map(), keyEnv, pair.publicKeyPem).then(() => undefined)));
    }
    const state: Triggers = new Map();
    await pipeline(registry, workDir, state, keyEnv, pair.publicKeyPem);
    const noopTimes: number[] = [];
    let noopSteps: string[] = [];
    for (let i = 0; i < runs; i++) {
      noopTimes.push(await timed(async () => {
        noopSteps = await pipeline(registry, workDir, state, keyEnv, pair.publicKeyPem);
      }));
    }
    const seed = median(seedTimes);
    const full = median(pipelineTimes);
    const noop = median(noopTimes);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${runs} runs each, medians`);
    console.log("| run | median s | vs seed by hand |");
    console.log("|---|---|---|");
    console.log(`| seed commands by hand (sign, triangulate, verify, syft, attach) | ${seed.toFixed(2)} | 1.00 |`);
    console.log(`| pipeline, every step (also attest + verify-attestation, inspect) | ${full.toFixed(2)} | ${(full / seed).toFixed(2)} |`);
    console.log(`| pipeline, no-op re-run (steps run: ${noopSteps.length === 0 ? "none" : noopSteps.join(", ")}) | ${noop.toFixed(2)} | ${(noop / seed).toFixed(2)} |`);
  } finally {
    await runStepOrThrow("cleanup", removeContainersStep({ names: [container] })).catch(() => undefined);
    await runStepOrThrow("cleanup", removeImagesStep({ tags: ["studentbook", `${registry}/studentbook:1.0`] })).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
