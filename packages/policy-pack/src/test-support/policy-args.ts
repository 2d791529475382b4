import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { createRequire } from "node:module";
import { unknownCheckingProxy } from "../lib/unknown-values.js";

// What the engine sends for a string not known during preview: the wire sentinel, read from the
// framework itself so the specs exercise its real proxy.
const frameworkProxy = createRequire(import.meta.url)("@pulumi/policy/proxy") as { unknownStringValue: string };

/** A string property that is unknown (preview). */
export const UNKNOWN = frameworkProxy.unknownStringValue;

/** A digest `sha256:` + 64 times `hexDigit`. */
export const digest = (hexDigit: string): string => `sha256:${hexDigit.repeat(64)}`;

class NotApplicable extends Error {}

/** Violations a validation reported, and its config. */
export class Recorder {
  readonly violations: Array<{ message: string; urn?: string }> = [];
  readonly report: ReportViolation = (message, urn) => {
    this.violations.push({ message, urn });
  };
}

const OPTS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** The args the framework passes to `validateResource`, props behind its unknown-checking proxy. */
export function resourceArgs(type: string, name: string, props: Record<string, unknown>, config: object = {}): ResourceValidationArgs {
  return {
    type,
    name,
    urn: `urn:pulumi:dev::project::${type}::${name}`,
    props: unknownCheckingProxy(props),
    opts: OPTS,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

/** A stack resource as `validateStack` sees it; `propertyDependencies` name resources made before. */
export function stackResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  propertyDependencies: Record<string, PolicyResource[]> = {},
): PolicyResource {
  return {
    type,
    name,
    urn: `urn:pulumi:dev::project::${type}::${name}`,
    props: unknownCheckingProxy(props),
    opts: OPTS,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
    isType: () => false,
    asType: () => undefined,
  };
}

/** The args the framework passes to `validateStack`. */
export function stackArgs(resources: PolicyResource[], config: object = {}): StackValidationArgs {
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

export { NotApplicable };
