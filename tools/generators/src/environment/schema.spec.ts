import { labConfigJsonSchema, type LabConfigJsonProperty as Property } from "@signed-image-lab/tooling";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const generatorSchema = JSON.parse(readFileSync(join(__dirname, "schema.json"), "utf8")) as { properties: Record<string, Property> };
/** The lab's config schema as JSON Schema (its output side: types and defaults after parsing). */
const labSchema = labConfigJsonSchema();

/** Each generator option that sets a config key, and the key's path in the lab's schema. */
const CONFIG_KEY_OF_OPTION: Record<string, readonly string[]> = {
  registryPort: ["registryPort"],
  appPort: ["appPort"],
  keySource: ["signingKey", "source"],
  kmsUri: ["signingKey", "kmsUri"],
  existingRegistry: ["existingRegistry"],
  registryCaFile: ["registryCaFile"],
  vaultAddress: ["vaultAddress"],
};
/** Generator options that are not one config key (a stack name, a mode, lists in a short form). */
const GENERATOR_ONLY = ["name", "mode", "images", "authUsers"];

function labProperty(path: readonly string[]): Property {
  let property: Property | undefined = { properties: labSchema.properties };
  for (const key of path) property = property?.properties?.[key];
  if (!property) throw new Error(`the lab's config schema has no ${path.join(".")}`);
  return property;
}

describe("environment generator schema.json follows the lab's config schema", () => {
  it("knows every option: it sets one config key or is listed as the generator's own", () => {
    expect(Object.keys(generatorSchema.properties).sort()).toEqual([...Object.keys(CONFIG_KEY_OF_OPTION), ...GENERATOR_ONLY].sort());
  });

  it.each(Object.entries(CONFIG_KEY_OF_OPTION))("%s has the type, enum and default of config key %j", (option, path) => {
    const mine = generatorSchema.properties[option]!;
    const lab = labProperty(path);
    // JSON Schema's integer is a number to Nx.
    expect(mine.type, option).toBe(lab.type === "integer" ? "number" : lab.type);
    expect(mine.enum, option).toEqual(lab.enum);
    // keySource has none on purpose: team mode must tell "not given" from generate (team-environment.spec.ts).
    if (option !== "keySource") expect(mine.default, option).toEqual(lab.default);
  });

  it("fails when an option disagrees (the check above is not vacuous)", () => {
    expect(labProperty(["registryPort"]).default).toBe(5001);
    expect(labProperty(["signingKey", "source"]).enum).toEqual(["generate", "config", "kms"]);
    expect(() => labProperty(["signingKey", "keyRef"])).toThrow("the lab's config schema has no signingKey.keyRef");
  });

  it("defaults images to the schema's default image", () => {
    const image = labProperty(["image"]).default as { name: string; context: string };
    expect(generatorSchema.properties.images!.default).toBe(`${image.name}=${image.context}`);
  });
});
