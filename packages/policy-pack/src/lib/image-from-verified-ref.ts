import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isInsideComponent } from "./component-ancestry.js";
import { imageFieldsOf, isImageId } from "./image-references.js";
import { DOCKER_CONTAINER_TYPE, DOCKER_REMOTE_IMAGE_TYPE, VERIFYING_COMPONENT_TYPES } from "./resource-types.js";
import { readKnown, type Reading } from "./unknown-values.js";

/** Policy config of {@link imageFromVerifiedRef}. */
export interface ImageFromVerifiedRefConfig {
  /** Component types whose `verifiedRef` output counts as verified. Default the lab's SigningPipeline and SignedImage. */
  readonly verifyingTypes?: readonly string[];
  /** Component types whose resources may run unverified images (see component-ancestry.ts). Default none. */
  readonly exemptComponents?: readonly string[];
}

/** The name under which the engine reports {@link imageFromVerifiedRef}. */
export const IMAGE_FROM_VERIFIED_REF = "image-from-verified-ref";

/** One image a stack runs that did not come from a verified ref. */
export interface UnverifiedImage {
  readonly message: string;
  /** The resource that runs it. */
  readonly urn: string;
}

/** What {@link judgeRunningImages} found in a stack. */
export interface VerifiedRefJudgement {
  /** How many resources run an image (docker Containers and Services, kubernetes pods and workloads). */
  readonly runners: number;
  readonly violations: UnverifiedImage[];
  /** The first value that decides a case but is not known yet (preview), if any. */
  readonly unknown?: Error;
}

/** An image reference a runner runs, and where it came from for the message. */
interface RunRef {
  readonly reading: Reading<unknown>;
  readonly via: string;
}

function remoteImagesBehind(
  container: PolicyResource,
  image: Reading<unknown>,
  remoteImages: readonly PolicyResource[],
): { pulled: PolicyResource[]; unknown?: Error } {
  const declared = (container.propertyDependencies.image ?? []).filter((r) => r.type === DOCKER_REMOTE_IMAGE_TYPE);
  if (declared.length > 0 || !image.known || typeof image.value !== "string" || !isImageId(image.value)) return { pulled: declared };
  // An image ID written out rather than taken from a RemoteImage's output: find who pulled it.
  let unknown: Error | undefined;
  const pulled = remoteImages.filter((r) => {
    const id = readKnown(() => r.props.imageId as unknown);
    if (!id.known) unknown ??= id.unknown;
    return id.known && id.value === image.value;
  });
  return { pulled, unknown: pulled.length > 0 ? undefined : unknown };
}

/**
 * Judges every image the stack runs against the `verifiedRef` outputs of its verifying
 * components. A docker Container is followed to the RemoteImage its `image` comes from (its
 * property dependency, or the RemoteImage whose `imageId` it names) and that RemoteImage's `name`
 * must equal a verifiedRef; a Container, swarm Service or kubernetes pod that names a reference
 * directly must name a verifiedRef. A case whose deciding value is unknown (preview: the ref
 * resolves only once `cosign verify` ran) is not a violation; it is returned as `unknown`.
 */
export function judgeRunningImages(resources: readonly PolicyResource[], config: ImageFromVerifiedRefConfig = {}): VerifiedRefJudgement {
  const verifyingTypes = new Set(config.verifyingTypes ?? VERIFYING_COMPONENT_TYPES);
  const verified = new Set<string>();
  let pending: Error | undefined;
  for (const component of resources.filter((r) => verifyingTypes.has(r.type))) {
    const ref = readKnown(() => component.props.verifiedRef as unknown);
    if (!ref.known) pending ??= ref.unknown;
    else if (typeof ref.value === "string") verified.add(ref.value);
  }
  const remoteImages = resources.filter((r) => r.type === DOCKER_REMOTE_IMAGE_TYPE);
  const sources = [...verifyingTypes].map((t) => t.split(":").pop()).join(" or ");
  const violations: UnverifiedImage[] = [];
  let unknown: Error | undefined;
  let runners = 0;

  for (const runner of resources) {
    if (isInsideComponent(runner.urn, config.exemptComponents)) continue;
    const fields = imageFieldsOf(runner.type, runner.props).filter((f) => f.runs);
    if (fields.length === 0) continue;
    runners += 1;
    const refs: RunRef[] = [];
    for (const f of fields) {
      if (runner.type !== DOCKER_CONTAINER_TYPE) {
        refs.push({ reading: f.reading, via: f.path });
        continue;
      }
      const behind = remoteImagesBehind(runner, f.reading, remoteImages);
      if (behind.pulled.length > 0) {
        refs.push(...behind.pulled.map((r) => ({ reading: readKnown(() => r.props.name as unknown), via: `RemoteImage ${r.name}` })));
      } else if (behind.unknown) {
        unknown ??= behind.unknown;
      } else if (!f.reading.known) {
        unknown ??= f.reading.unknown;
      } else if (typeof f.reading.value === "string" && isImageId(f.reading.value)) {
        violations.push({
          urn: runner.urn,
          message: `${runner.name} runs image ID ${f.reading.value}, which no RemoteImage in this stack pulled: run it from a RemoteImage of a verifiedRef`,
        });
      } else {
        refs.push({ reading: f.reading, via: f.path });
      }
    }
    for (const ref of refs) {
      const isVerified =
        ref.reading.known &&
        (ref.reading.value === undefined || (typeof ref.reading.value === "string" && verified.has(ref.reading.value)));
      if (!ref.reading.known) {
        unknown ??= ref.reading.unknown;
      } else if (isVerified) {
        // Runs a verifiedRef: nothing to say.
      } else if (pending) {
        unknown ??= pending;
      } else {
        const none = verified.size === 0 ? ` (this stack has no ${sources} with a verifiedRef)` : "";
        violations.push({
          urn: runner.urn,
          message: `${runner.name} runs ${String(ref.reading.value)} (${ref.via}), which is not the verifiedRef of any ${sources} in this stack${none}: run images only from a verifiedRef`,
        });
      }
    }
  }
  return { runners, violations, unknown };
}

/**
 * Every image a stack runs comes from a `verifiedRef` of this lab's components (see
 * {@link judgeRunningImages}). A stack policy: the engine runs it after a preview or an update,
 * on the resources' outputs. Known violations are reported in preview already; a case that is
 * unknown in preview (the verifiedRef of a first signing, a RemoteImage not pulled yet) makes
 * the framework report "can't run policy … during preview" as advisory instead of failing, and
 * `pulumi up` judges it with every value known.
 */
export const imageFromVerifiedRef: StackValidationPolicy = {
  name: IMAGE_FROM_VERIFIED_REF,
  description:
    "Every image a stack runs (docker Container via its RemoteImage, Service, kubernetes pods) comes from a verifiedRef of a SigningPipeline or SignedImage.",
  configSchema: {
    properties: {
      verifyingTypes: {
        type: "array",
        items: { type: "string" },
        description: "Component types whose verifiedRef output counts as verified.",
      },
      exemptComponents: {
        type: "array",
        items: { type: "string" },
        description: "Component types whose resources may run unverified images.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { runners, violations, unknown } = judgeRunningImages(args.resources, args.getConfig<ImageFromVerifiedRefConfig>());
    if (runners === 0) args.notApplicable("no resource in this stack runs an image");
    for (const v of violations) reportViolation(v.message, v.urn);
    if (unknown) throw unknown;
  },
};
