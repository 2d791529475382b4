import * as pulumi from "@pulumi/pulumi";
import { parseDigestRef } from "@signed-image-lab/tooling";

/**
 * A component input that must be pinned by digest. A plain string is checked at once, so a
 * tag fails before any resource is registered, naming the argument; an Output is checked when
 * it resolves, which fails the update before the step that would use it runs.
 */
export function requireDigestRef(ref: pulumi.Input<string>, propertyPath: string): pulumi.Output<string> {
  if (typeof ref === "string") {
    try {
      parseDigestRef(ref, propertyPath);
    } catch (error) {
      throw new pulumi.InputPropertyError({ propertyPath, reason: (error as Error).message });
    }
  }
  return pulumi.output(ref).apply((resolved) => {
    parseDigestRef(resolved, propertyPath);
    return resolved;
  });
}
