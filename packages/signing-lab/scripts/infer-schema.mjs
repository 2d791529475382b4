// The schema the Pulumi SDK's component provider host infers from src/ (its analyzer module, no
// engine), in the form `pulumi package get-schema` prints it: keys sorted, without the analyzer's
// own `optional` markers (the engine reads `required` lists) and without empty `required` lists.
// `node scripts/infer-schema.mjs --write` rewrites schema.json; src/schema.spec.ts compares.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(PACKAGE_DIR, "package.json"));

/** The provider name and namespace the SDK's plugin host derives from package.json's name (`@namespace/name`). */
export function providerNameOf(packageName) {
  const [, scope, name] = /^(?:@([^/]+)\/)?(.+)$/.exec(packageName) ?? [];
  return { name: name.replace(/[^-a-zA-Z0-9_]/g, "-"), namespace: scope };
}

/** Sorted keys, no `optional`, no empty `required`/`requiredInputs`/`dependencies`: the engine's rendering of a schema. */
export function normalizeSchema(value) {
  if (Array.isArray(value)) return value.map(normalizeSchema);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => key !== "optional" && value[key] !== undefined)
    .filter(
      (key) => !(["required", "requiredInputs", "dependencies"].includes(key) && Array.isArray(value[key]) && value[key].length === 0),
    )
    .map((key) => [key, normalizeSchema(value[key])]);
  return Object.fromEntries(entries);
}

/** Runs the SDK's analyzer over the package's sources for the named components. */
export function inferSchema(componentNames, dir = PACKAGE_DIR) {
  const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
  const { generateSchema } = require("@pulumi/pulumi/provider/experimental/schema");
  const packageJson = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const { name, namespace } = providerNameOf(packageJson.name);
  const result = new Analyzer(dir, name, packageJson, new Set(componentNames)).analyze();
  const schema = generateSchema(
    name,
    packageJson.version,
    packageJson.description,
    result.components,
    result.typeDefinitions,
    result.dependencies,
    namespace,
  );
  return normalizeSchema({ config: {}, ...schema });
}

/** The component classes the plugin host serves: every ComponentResource the built entry exports. */
export async function exportedComponentNames(dir = PACKAGE_DIR) {
  const { getPulumiComponents } = require("@pulumi/pulumi/provider/experimental/provider");
  const entry = await import(pathToFileURL(join(dir, "dist", "index.js")).href);
  return getPulumiComponents(entry).map((component) => component.name);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write")) {
  const schema = inferSchema(await exportedComponentNames());
  writeFileSync(join(PACKAGE_DIR, "schema.json"), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schema.json: ${Object.keys(schema.resources).length} components, ${Object.keys(schema.types).length} types`);
}
