import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ImageSourceKind, SigningKeySource } from "./schema-types.js";
import {
  imageSourceProblems,
  loginProblems,
  refuseProblems,
  signingKeyProblems,
  toPipelineImageSource,
  toSigningKeySource,
} from "./args-validation.js";

// The schema has no unions: a `kind` enum plus optional fields, checked here at construction,
// every problem named by its key path below the component's args.
describe("the image source of a SigningPipeline", () => {
  it("needs repository, tag and an absolute context to build, and refuses the ref", () => {
    expect(imageSourceProblems({ kind: ImageSourceKind.Build, context: "app", ref: "localhost:5000/a@sha256:0" })).toEqual([
      { propertyPath: "image.repository", reason: "required when image.kind is build" },
      { propertyPath: "image.tag", reason: "required when image.kind is build" },
      { propertyPath: "image.context", reason: "must be an absolute folder (it is app)" },
      { propertyPath: "image.ref", reason: "not used when image.kind is build" },
    ]);
  });

  it("needs the ref of an existing image, and refuses build fields", () => {
    expect(imageSourceProblems({ kind: ImageSourceKind.Existing, repository: "hello" })).toEqual([
      { propertyPath: "image.ref", reason: "required when image.kind is existing" },
      { propertyPath: "image.repository", reason: "not used when image.kind is existing" },
    ]);
  });

  it("names the allowed kinds when the kind is none of them (a YAML or Python program can pass any string)", () => {
    expect(imageSourceProblems({ kind: "pull" as ImageSourceKind })).toEqual([
      { propertyPath: "image.kind", reason: "must be one of build, existing (it is pull)" },
    ]);
    expect(imageSourceProblems(undefined)).toEqual([{ propertyPath: "image", reason: "required" }]);
  });

  it("becomes the component's discriminated union", () => {
    const built = toPipelineImageSource({ kind: ImageSourceKind.Build, repository: "hello", tag: "1.0", context: "/src/app" });
    expect(built).toMatchObject({ kind: "build", repository: "hello", tag: "1.0", context: "/src/app" });
    expect(imageSourceProblems({ kind: ImageSourceKind.Build, repository: "hello", tag: "1.0", context: "/src/app" })).toEqual([]);
    expect(toPipelineImageSource({ kind: ImageSourceKind.Existing, ref: "r" })).toEqual({ kind: "existing", ref: "r" });
  });
});

describe("the source of a SigningKey", () => {
  it("needs the PEM and a password to import, and refuses the KMS fields", () => {
    expect(signingKeyProblems({ source: SigningKeySource.Import, kmsUri: "hashivault://k" })).toEqual([
      { propertyPath: "privateKeyPem", reason: "required when source is import" },
      { propertyPath: "kmsUri", reason: "only used when source is kms (it is import)" },
      { propertyPath: "password", reason: "required for an imported key" },
    ]);
  });

  it("needs a kmsUri for a KMS key and no password; a generated key needs its password", () => {
    expect(signingKeyProblems({ source: SigningKeySource.Kms })).toEqual([
      { propertyPath: "kmsUri", reason: "required when source is kms" },
    ]);
    expect(signingKeyProblems({})).toEqual([{ propertyPath: "password", reason: "required for a generated key" }]);
    expect(signingKeyProblems({ password: "p", privateKeyPem: "x" })).toEqual([
      { propertyPath: "privateKeyPem", reason: "only used when source is import (it is generate)" },
    ]);
    expect(signingKeyProblems({ source: "vault" as SigningKeySource })[0]?.reason).toBe(
      "must be one of generate, import, kms (it is vault)",
    );
  });

  it("becomes the component's key source", () => {
    expect(toSigningKeySource({})).toEqual({ kind: "generate" });
    expect(toSigningKeySource({ source: SigningKeySource.Kms, kmsUri: "hashivault://k" })).toEqual({
      kind: "kms",
      uri: "hashivault://k",
      environment: undefined,
    });
    expect(toSigningKeySource({ source: SigningKeySource.Import, privateKeyPem: "pem" })).toEqual({ kind: "import", privateKeyPem: "pem" });
  });
});

describe("refusing the arguments", () => {
  it("throws one InputPropertiesError naming every key path, which the engine prints per property", () => {
    const refuse = () =>
      refuseProblems("SigningPipelineArgs", [
        { propertyPath: "image.tag", reason: "required when image.kind is build" },
        { propertyPath: "workDir", reason: "required" },
      ]);
    expect(refuse).toThrow("SigningPipelineArgs.image.tag: required when image.kind is build; SigningPipelineArgs.workDir: required");
    try {
      refuse();
    } catch (error) {
      expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
      expect((error as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath)).toEqual(["image.tag", "workDir"]);
    }
    expect(() => refuseProblems("X", [])).not.toThrow();
  });

  it("wants a username and a password together", () => {
    expect(loginProblems("u", undefined, "registry")).toEqual([{ propertyPath: "registry.password", reason: "required with username" }]);
    expect(loginProblems(undefined, "p", "registry")).toEqual([{ propertyPath: "registry.username", reason: "required with password" }]);
    expect(loginProblems(undefined, undefined, "registry")).toEqual([]);
  });
});
