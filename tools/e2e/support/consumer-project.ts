import { execa } from "execa";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./lab-tools.js";

/** The packages a team installs, by folder under packages/. */
export const PUBLISHED_PACKAGES = ["tooling", "components", "policy-pack"] as const;
export type PublishedPackage = (typeof PUBLISHED_PACKAGES)[number];

/** The npm packages the consumer project adds beside the tarballs, at the workspace's pins. */
function workspacePin(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json pins no ${name}`);
  return version;
}

/** `npm pack` of each published package (built first) into a fresh folder outside the repository. */
export async function packPackages(): Promise<Record<PublishedPackage, string>> {
  const out = mkdtempSync(join(tmpdir(), "sil-tarballs-"));
  const entries = await Promise.all(
    PUBLISHED_PACKAGES.map(async (name) => {
      const { stdout } = await execa("npm", ["pack", "--json", "--pack-destination", out], { cwd: join(REPO_ROOT, "packages", name) });
      const [packed] = JSON.parse(stdout) as { filename: string }[];
      if (!packed) throw new Error(`npm pack of ${name} printed nothing`);
      return [name, join(out, packed.filename)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<PublishedPackage, string>;
}

/** What `npm pack --dry-run` would put in a package's tarball: its file paths. */
export async function packedFiles(name: PublishedPackage): Promise<string[]> {
  const { stdout } = await execa("npm", ["pack", "--dry-run", "--json"], { cwd: join(REPO_ROOT, "packages", name) });
  const [packed] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return (packed?.files ?? []).map((f) => f.path);
}

/**
 * Installs the tarballs into `dir` (made outside the repository when absent) as a team's own
 * project would: `file:` dependencies on the tarballs only, the rest from the npm registry.
 */
export async function installTarballs(
  tarballs: Record<PublishedPackage, string>,
  dir = mkdtempSync(join(tmpdir(), "sil-consumer-")),
  manifest: Record<string, unknown> = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const base = JSON.parse(JSON.stringify(manifest)) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const packageJson = {
    name: "team-env",
    version: "0.1.0",
    private: true,
    type: "module",
    main: "dist/index.js",
    ...base,
    dependencies: {
      ...base.dependencies,
      "@pulumi/pulumi": workspacePin("@pulumi/pulumi"),
      "@signed-image-lab/tooling": `file:${tarballs.tooling}`,
      "@signed-image-lab/components": `file:${tarballs.components}`,
      "@signed-image-lab/policy-pack": `file:${tarballs["policy-pack"]}`,
    },
    devDependencies: {
      ...base.devDependencies,
      typescript: workspacePin("typescript"),
      "@types/node": workspacePin("@types/node"),
    },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  // --ignore-scripts: the providers' install scripts only try to download plugins.
  await execa("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], { cwd: dir });
  return dir;
}

/** A tsconfig for a team's program: ESM, strict, compiled to dist/. */
export const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    outDir: "dist",
    types: ["node"],
  },
  files: ["index.ts"],
};

/** The TypeScript blocks of a doc marked `<!-- example: NAME (index.ts) -->`, by name. */
export function docExamples(markdown: string): Record<string, string> {
  const blocks = markdown.matchAll(/<!-- example: ([\w-]+) \(index\.ts\) -->\n```ts\n([\s\S]*?)```/g);
  return Object.fromEntries([...blocks].map(([, name, code]) => [name ?? "", code ?? ""]));
}
