import * as pulumi from "@pulumi/pulumi";
import type { PipelineImageSource, RegistryCredentials, SigningKeySource as LabSigningKeySource } from "@signed-image-lab/components";
import { isAbsolute } from "node:path";
import { ImageSourceKind, SigningKeySource, type ImageSource, type RegistryAccess } from "./schema-types.js";

/** One problem with an argument: its key path below the component's args, and why. */
export interface ArgProblem {
  readonly propertyPath: string;
  readonly reason: string;
}

/**
 * Refuses the arguments, before any resource is registered, with every problem named by its key
 * path (`<ArgsName>.<path>: <reason>`); the engine prints each property error.
 */
export function refuseProblems(argsName: string, problems: readonly ArgProblem[]): void {
  if (problems.length === 0) return;
  throw new pulumi.InputPropertiesError({
    message: problems.map((p) => `${argsName}.${p.propertyPath}: ${p.reason}`).join("; "),
    errors: problems.map((p) => ({ propertyPath: p.propertyPath, reason: p.reason })),
  });
}

/** The value of an enum argument, or a problem naming its allowed values. */
function enumProblem<T extends string>(path: string, value: unknown, allowed: Record<string, T>): ArgProblem[] {
  const values = Object.values(allowed);
  return values.includes(value as T)
    ? []
    : [{ propertyPath: path, reason: `must be one of ${values.join(", ")} (it is ${String(value)})` }];
}

/** The fields of a `kind` that the other kinds must not set. */
function onlyFor(kind: string, fields: Record<string, unknown>, path: string, allowed: readonly string[]): ArgProblem[] {
  return Object.entries(fields)
    .filter(([name, value]) => value !== undefined && !allowed.includes(name))
    .map(([name]) => ({ propertyPath: `${path}.${name}`, reason: `not used when ${path}.kind is ${kind}` }));
}

/** What a SigningPipeline signs, checked: each kind's required fields set, the others' not. */
export function imageSourceProblems(image: ImageSource | undefined, path = "image"): ArgProblem[] {
  if (image === undefined) return [{ propertyPath: path, reason: "required" }];
  const kindProblems = enumProblem(`${path}.kind`, image.kind, ImageSourceKind);
  if (kindProblems.length > 0) return kindProblems;
  const { kind, ...fields } = image;
  if (kind === ImageSourceKind.Existing) {
    const missing = image.ref === undefined ? [{ propertyPath: `${path}.ref`, reason: "required when image.kind is existing" }] : [];
    return [...missing, ...onlyFor(kind, fields, path, ["ref"])];
  }
  const required = (["repository", "tag", "context"] as const)
    .filter((name) => image[name] === undefined || image[name] === "")
    .map((name) => ({ propertyPath: `${path}.${name}`, reason: "required when image.kind is build" }));
  const relative =
    image.context && !isAbsolute(image.context)
      ? [{ propertyPath: `${path}.context`, reason: `must be an absolute folder (it is ${image.context})` }]
      : [];
  return [
    ...required,
    ...relative,
    ...onlyFor(kind, fields, path, ["repository", "tag", "context", "dockerfile", "buildArgs", "baseImage"]),
  ];
}

/** The component's image source from a checked {@link ImageSource}. */
export function toPipelineImageSource(image: ImageSource): PipelineImageSource {
  if (image.kind === ImageSourceKind.Existing) return { kind: "existing", ref: image.ref ?? "" };
  return {
    kind: "build",
    repository: image.repository ?? "",
    tag: image.tag ?? "",
    context: image.context ?? "",
    dockerfile: image.dockerfile,
    buildArgs: image.buildArgs,
    baseImage: image.baseImage,
  };
}

/** The fields a SigningKey's source reads. */
export interface SigningKeyFields {
  readonly source?: SigningKeySource;
  readonly privateKeyPem?: pulumi.Input<string>;
  readonly kmsUri?: string;
  readonly kmsEnvironment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly password?: pulumi.Input<string>;
}

/** A SigningKey's arguments, checked: each source's fields set, the others' not, a password for a key file. */
export function signingKeyProblems(args: SigningKeyFields): ArgProblem[] {
  const source = args.source ?? SigningKeySource.Generate;
  const kindProblems = enumProblem("source", source, SigningKeySource);
  if (kindProblems.length > 0) return kindProblems;
  const problems: ArgProblem[] = [];
  const set = (name: keyof SigningKeyFields) => args[name] !== undefined;
  if (source === SigningKeySource.Import && !set("privateKeyPem"))
    problems.push({ propertyPath: "privateKeyPem", reason: "required when source is import" });
  if (source !== SigningKeySource.Import && set("privateKeyPem"))
    problems.push({ propertyPath: "privateKeyPem", reason: `only used when source is import (it is ${source})` });
  if (source === SigningKeySource.Kms && !args.kmsUri) problems.push({ propertyPath: "kmsUri", reason: "required when source is kms" });
  for (const name of ["kmsUri", "kmsEnvironment"] as const) {
    if (source !== SigningKeySource.Kms && set(name))
      problems.push({ propertyPath: name, reason: `only used when source is kms (it is ${source})` });
  }
  if (source !== SigningKeySource.Kms && !set("password"))
    problems.push({
      propertyPath: "password",
      reason: `required for ${source === SigningKeySource.Import ? "an imported" : "a generated"} key`,
    });
  return problems;
}

/** The component's key source from checked {@link SigningKeyFields}. */
export function toSigningKeySource(args: SigningKeyFields): LabSigningKeySource {
  switch (args.source ?? SigningKeySource.Generate) {
    case SigningKeySource.Import:
      return { kind: "import", privateKeyPem: args.privateKeyPem ?? "" };
    case SigningKeySource.Kms:
      return { kind: "kms", uri: args.kmsUri ?? "", environment: args.kmsEnvironment };
    default:
      return { kind: "generate" };
  }
}

/** A username with its password, or neither: one alone is a problem. */
export function loginProblems(username: unknown, password: unknown, path: string): ArgProblem[] {
  if ((username === undefined) === (password === undefined)) return [];
  const missing = username === undefined ? "username" : "password";
  return [{ propertyPath: `${path}.${missing}`, reason: `required with ${missing === "username" ? "password" : "username"}` }];
}

/** Credentials as one secret output, or none. */
export function secretLogin(
  username: pulumi.Input<string> | undefined,
  password: pulumi.Input<string> | undefined,
): pulumi.Output<RegistryCredentials> | undefined {
  if (username === undefined || password === undefined) return undefined;
  return pulumi.secret(pulumi.all([username, password]).apply(([u, p]) => ({ username: u, password: p })));
}

/** The components' registry access from a schema {@link RegistryAccess}. */
export function toRegistryAccess(access: RegistryAccess) {
  return { endpoint: access.endpoint, credentials: secretLogin(access.username, access.password), caFile: access.caFile };
}

/** A path that must be absolute (the component provider's working directory is not the program's). */
export function absolutePathProblems(value: string | undefined, path: string): ArgProblem[] {
  if (value === undefined || value === "") return [{ propertyPath: path, reason: "required" }];
  return isAbsolute(value) ? [] : [{ propertyPath: path, reason: `must be an absolute path (it is ${value})` }];
}
