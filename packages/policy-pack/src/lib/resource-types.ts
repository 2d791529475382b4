/**
 * The resource type tokens the policies look at: Pulumi's docker, docker-build and kubernetes
 * providers, and this lab's components. The lab's tokens are kept here rather than imported from
 * `@signed-image-lab/components`, whose index loads the docker and command providers' SDKs into
 * the policy pack's process; `resource-types.spec.ts` asserts they equal the components' own.
 */

/** `docker.Container`: runs `image` (a reference or an image ID). */
export const DOCKER_CONTAINER_TYPE = "docker:index/container:Container";
/** `docker.RemoteImage`: pulls `name`; its `imageId` is what a Container runs. */
export const DOCKER_REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";
/** `docker.RegistryImage`: an image in a registry, by `name`. */
export const DOCKER_REGISTRY_IMAGE_TYPE = "docker:index/registryImage:RegistryImage";
/** `docker.Service` (swarm): runs `taskSpec.containerSpec.image`. */
export const DOCKER_SERVICE_TYPE = "docker:index/service:Service";
/** `docker-build.Image`: builds from the `FROM` lines of `dockerfile.inline`. */
export const DOCKER_BUILD_IMAGE_TYPE = "docker-build:index:Image";

/** `SigningPipeline` of `@signed-image-lab/components` (outputs `verifiedRef`). */
export const SIGNING_PIPELINE_TYPE = "signed-image-lab:signing:SigningPipeline";
/** `SignedImage` of `@signed-image-lab/components` (outputs `verifiedRef`). */
export const SIGNED_IMAGE_TYPE = "signed-image-lab:signing:SignedImage";

/** The lab's service components: each runs a local service image (registry, TSA, Rekor), not the app. */
export const LAB_SERVICE_COMPONENT_TYPES: readonly string[] = [
  "signed-image-lab:signing:Registry",
  "signed-image-lab:signing:TimestampAuthority",
  "signed-image-lab:signing:TransparencyLog",
];

/** Components whose `verifiedRef` output names an image that passed `cosign verify`. */
export const VERIFYING_COMPONENT_TYPES: readonly string[] = [SIGNING_PIPELINE_TYPE, SIGNED_IMAGE_TYPE];

/** Where a kubernetes workload keeps its pod spec, by kind (any API group and version). */
export const KUBERNETES_POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The kind of a `kubernetes:<group>/<version>:<Kind>` token, or undefined for any other type. */
export function kubernetesKindOf(type: string): string | undefined {
  return /^kubernetes:[a-z0-9.]+\/[a-z0-9]+:([A-Za-z]+)$/.exec(type)?.[1];
}
