import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isInsideComponent } from "./component-ancestry.js";
import { imageFieldsOf, isImageId, isPinnedByDigest } from "./image-references.js";
import { DOCKER_CONTAINER_TYPE } from "./resource-types.js";

/** Policy config of {@link imagePinnedByDigest}. */
export interface ImagePinnedByDigestConfig {
  /** References allowed without a digest, matched exactly (e.g. a vendor image you cannot pin yet). Default none. */
  readonly exempt?: readonly string[];
  /** Component types whose resources are exempt (see component-ancestry.ts). Default none. */
  readonly exemptComponents?: readonly string[];
}

/** The name under which the engine reports {@link imagePinnedByDigest}. */
export const IMAGE_PINNED_BY_DIGEST = "image-pinned-by-digest";

/** What {@link judgePins} found in one resource. */
export interface PinJudgement {
  /** Why each known image reference is not pinned by digest (empty: all are, or there are none). */
  readonly problems: string[];
  /** The first reference not known yet (preview), if any. */
  readonly unknown?: Error;
}

/**
 * Judges every image reference of one resource (the fields of {@link imageFieldsOf}). A docker
 * Container may also run a local image ID (`sha256:…`): that is what a RemoteImage's `imageId`
 * is, and the RemoteImage's own `name` is judged where it is declared.
 */
// biome-ignore lint/suspicious/noExplicitAny: @pulumi/policy hands props as Record<string, any>
export function judgePins(type: string, props: Record<string, any>, config: ImagePinnedByDigestConfig = {}): PinJudgement {
  const exempt = new Set(config.exempt ?? []);
  const problems: string[] = [];
  let unknown: Error | undefined;
  for (const f of imageFieldsOf(type, props)) {
    if (!f.reading.known) {
      unknown ??= f.reading.unknown;
      continue;
    }
    if (f.reading.value === undefined) continue;
    const value = f.reading.value;
    // An exempt reference, or a Container's image ID (its RemoteImage's name is judged), passes.
    const passes = typeof value === "string" && (exempt.has(value) || (type === DOCKER_CONTAINER_TYPE && isImageId(value)));
    if (typeof value !== "string") {
      problems.push(`${f.path} is not an image reference (${typeof value})`);
    } else if (!passes && !isPinnedByDigest(value)) {
      problems.push(`${f.path} "${value}" is not pinned by digest: use repo@sha256:<64 hex digits>, a tag can move`);
    }
  }
  return { problems, unknown };
}

/**
 * Every container image reference is pinned by digest (see {@link judgePins}). Runs before each resource is created or updated, so a tag is refused before anything
 * pulls it. In preview, a reference that is not known yet is reported as advisory by the policy
 * framework ("can't run policy … during preview"), after every known one was judged; `pulumi up`
 * judges it once known.
 */
export const imagePinnedByDigest: ResourceValidationPolicy = {
  name: IMAGE_PINNED_BY_DIGEST,
  description:
    "Every container image reference (docker Container, RemoteImage, RegistryImage, Service, docker-build FROM, kubernetes pod specs) is pinned by digest.",
  configSchema: {
    properties: {
      exempt: { type: "array", items: { type: "string" }, description: "References allowed without a digest, matched exactly." },
      exemptComponents: { type: "array", items: { type: "string" }, description: "Component types whose resources are exempt." },
    },
  },
  validateResource: (args, reportViolation) => {
    const config = args.getConfig<ImagePinnedByDigestConfig>();
    if (isInsideComponent(args.urn, config.exemptComponents)) return;
    const { problems, unknown } = judgePins(args.type, args.props, config);
    for (const problem of problems) reportViolation(`${args.name}: ${problem}`);
    if (unknown) throw unknown;
  },
};
