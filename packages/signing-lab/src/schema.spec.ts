import type {
  SbomDelivery as LabSbomDelivery,
  SbomFormat as LabSbomFormat,
  SbomScope as LabSbomScope,
  SignatureFormat as LabSignatureFormat,
  Transparency as LabTransparency,
} from "@signed-image-lab/tooling";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportedComponentNames, inferSchema, PACKAGE_DIR, type PackageSchema, type SchemaProperty } from "../scripts/infer-schema.mjs";
import { SbomDelivery, SbomFormat, SbomScope, SignatureFormat, Transparency } from "./index.js";

// The schema Python, YAML, Go, C# and Java SDKs are generated from. The SDK's analyzer (the module
// the component provider host runs, no engine) infers it from src/; it must equal the committed
// schema.json, which the engine acceptance spec also compares with `pulumi package get-schema`.
// After an intended change: `node scripts/infer-schema.mjs --write` and review the diff.
const committed = JSON.parse(readFileSync(join(PACKAGE_DIR, "schema.json"), "utf8")) as PackageSchema;

/** The seven components the package serves, as the issue lists them. */
const COMPONENTS = [
  "SigningLab",
  "SigningPipeline",
  "SigningKey",
  "Registry",
  "VerifiedContainer",
  "TimestampAuthority",
  "TransparencyLog",
];

let inferred: PackageSchema;
let exported: string[];
beforeAll(async () => {
  exported = await exportedComponentNames();
  inferred = inferSchema(exported);
}, 60_000);

/** Every property of a properties map, with its path. */
function propertiesOf(owner: string, properties: Record<string, SchemaProperty> | undefined): [string, SchemaProperty][] {
  return Object.entries(properties ?? {}).map(([name, property]) => [`${owner}.${name}`, property]);
}

describe("the package's schema", () => {
  it("is what the analyzer infers from the sources now (schema.json is up to date)", () => {
    expect(inferred).toEqual(committed);
  });

  it("serves exactly the seven components, each exported from the entry and described", () => {
    expect([...exported].sort()).toEqual([...COMPONENTS].sort());
    expect(Object.keys(committed.resources).sort()).toEqual(COMPONENTS.map((c) => `signing-lab:index:${c}`).sort());
    for (const [token, resource] of Object.entries(committed.resources)) {
      expect(resource.isComponent, token).toBe(true);
      expect(resource.description?.length ?? 0, `${token} has no description`).toBeGreaterThan(20);
    }
  });

  it("is the provider signing-lab in the namespace signed-image-lab (Python: signed_image_lab_signing_lab)", () => {
    expect(committed.name).toBe("signing-lab");
    expect(committed.namespace).toBe("signed-image-lab");
  });

  it("describes every input and output of every component and every field of every object type", () => {
    const all = [
      ...Object.entries(committed.resources).flatMap(([token, r]) => [
        ...propertiesOf(`${token} input`, r.inputProperties),
        ...propertiesOf(`${token} output`, r.properties),
      ]),
      ...Object.entries(committed.types).flatMap(([token, t]) => propertiesOf(token, t.properties)),
    ];
    expect(all.length).toBeGreaterThan(100);
    const undescribed = all.filter(([, property]) => !property.description?.trim()).map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it("keeps the inputs a team's program sets", () => {
    const inputs = (component: string) => Object.keys(committed.resources[`signing-lab:index:${component}`]?.inputProperties ?? {});
    expect(inputs("SigningLab")).toEqual(
      expect.arrayContaining([
        "projectRoot",
        "registryPort",
        "registryImage",
        "baseImage",
        "image",
        "appPort",
        "cosignPassword",
        "signingKey",
      ]),
    );
    expect(committed.resources["signing-lab:index:SigningLab"]?.requiredInputs).toEqual(["projectRoot"]);
    expect(inputs("SigningPipeline")).toEqual(expect.arrayContaining(["registry", "image", "key", "workDir", "sbom", "signatureFormat"]));
    expect(inputs("SigningKey")).toEqual(expect.arrayContaining(["source", "password", "privateKeyPem", "kmsUri"]));
    expect(inputs("VerifiedContainer")).toEqual(expect.arrayContaining(["verifiedRef", "hostPort", "registryLogin"]));
    const outputs = Object.keys(committed.resources["signing-lab:index:SigningLab"]?.properties ?? {});
    expect(outputs).toEqual(expect.arrayContaining(["admittedRef", "publicKey", "registryEndpoint", "appUrl", "verifiedRef"]));
  });

  it("carries the secrets and the refs as inputs (outputs of other resources may flow in), the settings as plain values", () => {
    const lab = committed.resources["signing-lab:index:SigningLab"]?.inputProperties ?? {};
    expect(lab.cosignPassword?.plain).toBeUndefined();
    expect(lab.registryPort?.plain).toBe(true);
    const key = committed.types["signing-lab:index:SigningKeyMaterial"]?.properties ?? {};
    expect(Object.values(key).every((p) => p.plain === undefined)).toBe(true);
    const container = committed.resources["signing-lab:index:VerifiedContainer"]?.inputProperties ?? {};
    expect(container.verifiedRef?.plain).toBeUndefined();
  });

  it("names each union as a kind enum with described values", () => {
    const enums = Object.entries(committed.types).filter(([, t]) => t.enum);
    expect(enums.map(([token]) => token.replace("signing-lab:index:", "")).sort()).toEqual(
      [
        "ImageSourceKind",
        "LabKeySource",
        "SbomDelivery",
        "SbomFormat",
        "SbomScope",
        "SignatureFormat",
        "SigningKeySource",
        "Transparency",
      ].sort(),
    );
    for (const [token, type] of enums) {
      for (const member of type.enum ?? []) expect(member.description?.trim(), `${token}.${member.name}`).toBeTruthy();
    }
    expect(committed.types["signing-lab:index:ImageSource"]?.properties?.kind?.$ref).toBe("#/types/signing-lab:index:ImageSourceKind");
  });

  it("uses the lab's own words as enum values (every value the tooling accepts, no other)", () => {
    // A Record over the tooling's union: a value the tooling adds fails the typecheck, one the enum adds fails here.
    const words = {
      signatureFormat: { legacy: SignatureFormat.Legacy, bundle: SignatureFormat.Bundle } satisfies Record<LabSignatureFormat, string>,
      sbomFormat: { "spdx-json": SbomFormat.SpdxJson, "cyclonedx-json": SbomFormat.CyclonedxJson } satisfies Record<LabSbomFormat, string>,
      sbomScope: { "all-layers": SbomScope.AllLayers, squashed: SbomScope.Squashed } satisfies Record<LabSbomScope, string>,
      sbomDelivery: { attest: SbomDelivery.Attest, attach: SbomDelivery.Attach, both: SbomDelivery.Both } satisfies Record<
        LabSbomDelivery,
        string
      >,
      transparency: {
        off: Transparency.Off,
        timestamps: Transparency.Timestamps,
        "timestamps+log": Transparency.TimestampsAndLog,
      } satisfies Record<LabTransparency, string>,
    };
    const enums = {
      signatureFormat: SignatureFormat,
      sbomFormat: SbomFormat,
      sbomScope: SbomScope,
      sbomDelivery: SbomDelivery,
      transparency: Transparency,
    };
    for (const [name, mapping] of Object.entries(words)) {
      expect(
        Object.entries(mapping).every(([word, value]) => word === value),
        name,
      ).toBe(true);
      expect(Object.values(enums[name as keyof typeof enums]).sort(), name).toEqual(Object.keys(mapping).sort());
    }
  });
});
