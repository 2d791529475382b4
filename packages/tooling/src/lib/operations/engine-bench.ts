import { execa } from "execa";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Medians (seconds) of the real `npm run lab:up` / `lab:destroy`, as the user types them. */
export interface EngineTimes {
  readonly firstUp: number[];
  readonly noopUp: number[];
  readonly changeUp: number[];
  readonly destroy: number[];
  /** First `lab:up` of N images, by N. */
  readonly imagesUp: Record<number, number[]>;
}

const STACK = "bench";

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/**
 * Runs the lab's own commands in `repoRoot` on a stack of its own (`bench`, registry on 5061,
 * app on 8096), with N copies of studentbook as its images: first `lab:up` from nothing, a
 * no-op `lab:up`, one image's source changed, `lab:destroy`; then the first `lab:up` of each N.
 */
export async function benchEngine(repoRoot: string, runs: number, imageCounts: readonly number[]): Promise<EngineTimes> {
  const env = {
    PULUMI_BACKEND_URL: `file://${repoRoot}/.pulumi-state`,
    PULUMI_CONFIG_PASSPHRASE_FILE: join(repoRoot, ".pulumi-state", "passphrase"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    LAB_STACK: STACK,
    LAB_LOCAL_IMAGES: "1",
  };
  const contexts = mkdtempSync(join(tmpdir(), "lab-bench-contexts-"));
  const lab = async (action: string) => {
    const result = await execa("bash", ["tools/scripts/lab.sh", action], { cwd: repoRoot, env, reject: false, all: true });
    if (result.exitCode !== 0) throw new Error(`lab:${action} failed:\n${String(result.all).slice(-3000)}`);
  };
  const pulumi = (...args: string[]) => execa("pulumi", [...args, "--stack", STACK], { cwd: repoRoot, env, all: true });
  const useImages = async (n: number) => {
    const images = Array.from({ length: n }, (_, i) => {
      const context = join(contexts, `app${i + 1}`);
      cpSync(join(repoRoot, "packages", "studentbook"), context, { recursive: true });
      return { name: `app${i + 1}`, tag: "1.0", context };
    });
    await pulumi("config", "set", "images", JSON.stringify(images));
  };
  const times: EngineTimes = { firstUp: [], noopUp: [], changeUp: [], destroy: [], imagesUp: {} };
  try {
    await lab("doctor");
    await execa("pulumi", ["stack", "init", STACK, "--secrets-provider", "passphrase"], { cwd: repoRoot, env, reject: false });
    await pulumi("config", "set", "registryPort", "5061");
    await pulumi("config", "set", "appPort", "8096");
    for (let run = 0; run < runs; run++) {
      await useImages(1);
      times.firstUp.push(await seconds(() => lab("up")));
      times.noopUp.push(await seconds(() => lab("up")));
      writeFileSync(join(contexts, "app1", "src", "bench-change.js"), `// run ${run} ${Date.now()}\n`);
      times.changeUp.push(await seconds(() => lab("up")));
      times.destroy.push(await seconds(() => lab("destroy")));
      for (const n of imageCounts.filter((n) => n > 1)) {
        await useImages(n);
        const upTimes = times.imagesUp[n] ?? [];
        times.imagesUp[n] = upTimes;
        upTimes.push(await seconds(() => lab("up")));
        await lab("destroy");
      }
    }
    times.imagesUp[1] = times.firstUp;
    return times;
  } finally {
    await execa("bash", ["tools/scripts/lab.sh", "destroy"], { cwd: repoRoot, env, reject: false });
    await execa("pulumi", ["stack", "rm", "--yes", "--force", STACK], { cwd: repoRoot, env, reject: false });
    rmSync(contexts, { recursive: true, force: true });
  }
}
