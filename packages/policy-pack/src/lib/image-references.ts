import { parseDigestRef } from "@signed-image-lab/tooling";
import {
  DOCKER_BUILD_IMAGE_TYPE,
  DOCKER_CONTAINER_TYPE,
  DOCKER_REGISTRY_IMAGE_TYPE,
  DOCKER_REMOTE_IMAGE_TYPE,
  DOCKER_SERVICE_TYPE,
  KUBERNETES_POD_SPEC_PATHS,
  kubernetesKindOf,
} from "./resource-types.js";
import { readKnown, type Reading } from "./unknown-values.js";

/** One image reference a resource holds, with the property path it sits at. */
export interface ImageField {
  /** Property path, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly reading: Reading<unknown>;
  /** True where the field runs an image (a container), false where it pulls, stores or builds from one. */
  readonly runs: boolean;
}

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

/** True for a local image ID (`sha256:` and 64 hex digits), which is what a RemoteImage's `imageId` is. */
export function isImageId(value: string): boolean {
  return IMAGE_ID.test(value);
}

/**
 * True for a reference pinned by digest by the lab's one definition ({@link parseDigestRef}):
 * `repo@sha256:…`, also with a tag before the digest (registries resolve the digest).
 */
export function isPinnedByDigest(ref: string): boolean {
  try {
    parseDigestRef(ref);
    return true;
  } catch {
    return false;
  }
}

function field(path: string, read: () => unknown, runs: boolean): ImageField {
  return { path, reading: readKnown(read), runs };
}

/** Every `[path, value]` of a list property (an unknown list is one unknown field). */
function listItems(path: string, read: () => unknown): Array<{ path: string; read: () => unknown } | ImageField> {
  const list = readKnown(read);
  if (!list.known) return [{ path, reading: list, runs: true }];
  if (!Array.isArray(list.value)) return [];
  const items = list.value as unknown[];
  return Array.from({ length: items.length }, (_, i) => ({ path: `${path}[${i}]`, read: () => items[i] }));
}

// biome-ignore lint/suspicious/noExplicitAny: @pulumi/policy hands props as Record<string, any>
function kubernetesFields(kind: string, props: Record<string, any>): ImageField[] {
  const specPath = KUBERNETES_POD_SPEC_PATHS[kind];
  if (!specPath) return [];
  // biome-ignore lint/suspicious/noExplicitAny: @pulumi/policy hands props as Record<string, any>
  const spec = readKnown(() => specPath.reduce<any>((node, key) => node?.[key], props));
  const at = specPath.join(".");
  if (!spec.known) return [{ path: at, reading: spec, runs: true }];
  const podSpec = spec.value as Record<string, unknown> | undefined;
  if (!podSpec) return [];
  const fields: ImageField[] = [];
  for (const list of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const item of listItems(`${at}.${list}`, () => podSpec[list])) {
      if ("reading" in item) fields.push(item);
      else fields.push(field(`${item.path}.image`, () => (item.read() as { image?: unknown } | undefined)?.image, true));
    }
  }
  return fields;
}

/** `FROM` references of a Dockerfile, without `scratch` and earlier stages named with `AS`. */
export function dockerfileBaseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  // Continuation lines joined, comments dropped: enough for FROM, which takes no multi-line form in practice.
  const lines = dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== "FROM") continue;
    const rest = words.slice(1).filter((w) => !w.startsWith("--"));
    const image = rest[0];
    if (rest[1]?.toUpperCase() === "AS" && rest[2]) stages.add(rest[2].toLowerCase());
    if (image && image !== "scratch" && !stages.has(image.toLowerCase())) bases.push(image);
  }
  return bases;
}

/**
 * Every image reference a resource's props hold, by resource type: docker Container `image`,
 * RemoteImage and RegistryImage `name`, swarm Service `taskSpec.containerSpec.image`, the `FROM`
 * lines of a docker-build Image's inline Dockerfile, and every container `image` of a kubernetes
 * Pod or workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob …). Other types
 * hold none. Unknown values (preview) are returned as such, never thrown.
 */
// biome-ignore lint/suspicious/noExplicitAny: @pulumi/policy hands props as Record<string, any>
export function imageFieldsOf(type: string, props: Record<string, any>): ImageField[] {
  switch (type) {
    case DOCKER_CONTAINER_TYPE:
      return [field("image", () => props.image, true)];
    case DOCKER_REMOTE_IMAGE_TYPE:
    case DOCKER_REGISTRY_IMAGE_TYPE:
      return [field("name", () => props.name, false)];
    case DOCKER_SERVICE_TYPE:
      return [field("taskSpec.containerSpec.image", () => props.taskSpec?.containerSpec?.image, true)];
    case DOCKER_BUILD_IMAGE_TYPE: {
      const inline = readKnown(() => props.dockerfile?.inline as unknown);
      if (!inline.known) return [{ path: "dockerfile.inline", reading: inline, runs: false }];
      if (typeof inline.value !== "string") return [];
      return dockerfileBaseImages(inline.value).map((ref) => ({
        path: "dockerfile.inline FROM",
        reading: { known: true, value: ref },
        runs: false,
      }));
    }
  }
  const kind = kubernetesKindOf(type);
  return kind ? kubernetesFields(kind, props) : [];
}
