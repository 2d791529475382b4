import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inferSchema, PACKAGE_DIR } from "../scripts/infer-schema.mjs";

// Why SigningPipeline takes a SigningKey's outputs (SigningKeyMaterial) and not the SigningKey:
// the pinned SDK's analyzer resolves a resource reference by loading the referenced class's
// module and accepts only @pulumi/* packages, so a reference to a component of the same package
// is refused. When an SDK upgrade accepts it, this spec fails: then take the resources themselves.
function packageWith(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "analyzer-limits-"));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "probe", version: "0.0.1", type: "module", main: "dist/index.js" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: [] }, include: ["src"] }),
  );
  writeFileSync(join(dir, "src", "index.ts"), source);
  symlinkSync(join(PACKAGE_DIR, "..", "..", "node_modules"), join(dir, "node_modules"));
  return dir;
}

const KEY = `import * as pulumi from "@pulumi/pulumi";
/** A key. */
export class Key extends pulumi.ComponentResource {
  readonly ref: pulumi.Output<string>;
  constructor(name: string, args: KeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("probe:index:Key", name, {}, opts);
    this.ref = pulumi.output(args.id ?? "k");
  }
}
export interface KeyArgs { /** Id. */ readonly id?: pulumi.Input<string> }
`;

describe("the SDK's schema analyzer", () => {
  it("refuses a component argument that is another component of the same package", () => {
    const dir = packageWith(`${KEY}
export interface UserArgs { /** The key. */ readonly key: Key }
/** A user. */
export class User extends pulumi.ComponentResource {
  constructor(name: string, args: UserArgs, opts?: pulumi.ComponentResourceOptions) {
    super("probe:index:User", name, {}, opts);
    void args;
  }
}
`);
    // The pinned SDK fails loading the .ts module (SyntaxError); were it loaded, the @pulumi/* check refuses it.
    expect(() => inferSchema(["Key", "User"], dir)).toThrow(/Unexpected identifier|only @pulumi packages are supported/);
  }, 60_000);

  it("accepts the same component taking the other's outputs as inputs (what this package does)", () => {
    const dir = packageWith(`${KEY}
export interface UserArgs { /** The key's ref. */ readonly keyRef: pulumi.Input<string> }
/** A user. */
export class User extends pulumi.ComponentResource {
  constructor(name: string, args: UserArgs, opts?: pulumi.ComponentResourceOptions) {
    super("probe:index:User", name, {}, opts);
    void args;
  }
}
`);
    expect(Object.keys(inferSchema(["Key", "User"], dir).resources)).toEqual(["probe:index:Key", "probe:index:User"]);
  }, 60_000);
});
