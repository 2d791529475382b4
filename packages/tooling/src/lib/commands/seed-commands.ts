/** The seed lab's commands as a student types them, for the benchmark's "by hand" rows. */
export interface SeedOptions {
  /** `localhost:<port>` of the registry. */
  readonly registry: string;
  /** Where cosign.key, cosign.pub and the SBOM file go. */
  readonly workDir: string;
  /** The studentbook build context. */
  readonly context: string;
  readonly baseImage: string;
}

/**
 * Build, push, inspect, generate a key, sign, triangulate, verify, scan and attach, in the
 * seed's order, errata fixed only where a command would not run (the registry's port, the
 * offline flags cosign v3 needs). COSIGN_PASSWORD must be in the environment.
 */
export function seedByHand(options: SeedOptions): string {
  const tag = `${options.registry}/studentbook:1.0`;
  return [
    "set -eu",
    `cd ${options.workDir}`,
    `docker build -q -t studentbook --build-arg BASE_IMAGE=${options.baseImage} ${options.context} >/dev/null`,
    `docker image tag studentbook ${tag}`,
    `docker push -q ${tag} >/dev/null`,
    `skopeo inspect --tls-verify=false docker://${tag} >/dev/null`,
    "rm -f cosign.key cosign.pub",
    "cosign generate-key-pair >/dev/null 2>&1",
    `cosign sign --key cosign.key --tlog-upload=false --use-signing-config=false --new-bundle-format=false -y ${tag} 2>/dev/null`,
    `cosign triangulate ${tag} >/dev/null 2>&1`,
    `cosign verify --key cosign.pub --insecure-ignore-tlog ${tag} >/dev/null 2>&1`,
    `SYFT_CHECK_FOR_APP_UPDATE=false SYFT_REGISTRY_INSECURE_USE_HTTP=true syft packages ${tag} --scope all-layers -o spdx-json > sb-image.spdx 2>/dev/null`,
    `cosign attach sbom --sbom sb-image.spdx --type spdx --input-format json ${tag} 2>/dev/null`,
  ].join("\n");
}

/**
 * The seed from nothing: start the registry (the seed's step 1.1, port fixed), wait for it,
 * then {@link seedByHand}, then run the app (step 1.5, image and port fixed).
 */
export function seedFromNothing(
  options: SeedOptions & {
    readonly registryImage: string;
    readonly names: { readonly registry: string; readonly app: string };
    readonly appPort: number;
  },
): string {
  const port = options.registry.split(":")[1];
  return [
    "set -eu",
    `docker run -d --name ${options.names.registry} -p 127.0.0.1:${port}:5000 ${options.registryImage} >/dev/null`,
    `until curl -fsS -o /dev/null http://${options.registry}/v2/; do sleep 0.2; done`,
    seedByHand(options),
    `docker run -d --name ${options.names.app} -p 127.0.0.1:${options.appPort}:8080 ${options.registry}/studentbook:1.0 >/dev/null`,
  ].join("\n");
}
