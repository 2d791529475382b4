import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { SignatureFormat } from "../core/words.js";
import { registryTransport } from "../core/registry-transport.js";
import { legacyArtifactRef, parseDigestRef, registryHostOf } from "../core/image-ref.js";

/** How the probe reaches a registry. Credentials are a secret: they go in a header, never a URL or log. */
export interface ProbeAccess {
  readonly username?: string;
  readonly password?: string;
  /** CA certificate file of a registry with a private CA: then https, trusting that CA. */
  readonly caFile?: string;
  /** Per request. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** The cosign artifacts of one digest that the lab puts in the registry. */
export type RegistryArtifact = "signature" | "attestation" | "attachment";

/** Which artifacts are there now; `undefined` when the registry could not tell (down, refused). */
export type ArtifactPresence = Partial<Record<RegistryArtifact, boolean>>;

/** The manifest media types a registry is asked for (image, index, docker v2 and list). */
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

/** The predicate type a cosign v3 bundle carries for an image signature (not an attestation). */
const SIGNATURE_PREDICATE = "https://sigstore.dev/cosign/sign/v1";
const BUNDLE_PREDICATE_ANNOTATION = "dev.sigstore.bundle.predicateType";

interface Answer {
  readonly status: number;
  readonly body: string;
  /** The digest the registry says it answered for (`Docker-Content-Digest`), when it says one. */
  readonly digest?: string;
}

function get(method: "HEAD" | "GET", host: string, path: string, access: ProbeAccess): Promise<Answer> {
  const https = !registryTransport(host, access.caFile).plainHttp;
  const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
  if (access.username) {
    headers.Authorization = `Basic ${Buffer.from(`${access.username}:${access.password ?? ""}`).toString("base64")}`;
  }
  const url = new URL(`${https ? "https" : "http"}://${host}${path}`);
  const options = { method, headers, timeout: access.timeoutMs ?? 5000, ...(access.caFile ? { ca: readFileSync(access.caFile) } : {}) };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      const digest = res.headers["docker-content-digest"];
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          digest: typeof digest === "string" ? digest : undefined,
        }),
      );
      res.on("error", reject);
    };
    const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.on("timeout", () => req.destroy(new Error(`${host} did not answer within ${options.timeout} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Whether a manifest exists; throws when the registry gives neither 200 nor 404. */
async function manifestExists(host: string, repoPath: string, reference: string, access: ProbeAccess): Promise<boolean> {
  const answer = await get("HEAD", host, `/v2/${repoPath}/manifests/${reference}`, access);
  if (answer.status === 200) return true;
  if (answer.status === 404) return false;
  throw new Error(`${host} answered ${answer.status} for ${repoPath}:${reference}`);
}

/** The predicate types of the Sigstore bundles that refer to `digest` (referrers API, else its fallback tag). */
async function bundlePredicates(host: string, repoPath: string, digest: string, access: ProbeAccess): Promise<string[]> {
  let answer = await get("GET", host, `/v2/${repoPath}/referrers/${digest}`, access);
  if (answer.status === 404) answer = await get("GET", host, `/v2/${repoPath}/manifests/${digest.replace(":", "-")}`, access);
  if (answer.status === 404) return [];
  if (answer.status !== 200) throw new Error(`${host} answered ${answer.status} for the referrers of ${digest}`);
  const index = JSON.parse(answer.body) as { manifests?: { digest?: string; annotations?: Record<string, string> }[] };
  // cosign copies the predicate type into the index entry when it signs offline, but not when it
  // signs through a signing config (transparency: timestamps): then the bundle's own manifest has it.
  return Promise.all(
    (index.manifests ?? []).map(async (m) => {
      const annotated = m.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
      if (annotated !== undefined || !m.digest) return annotated ?? "";
      const manifest = await get("GET", host, `/v2/${repoPath}/manifests/${m.digest}`, access);
      if (manifest.status !== 200) throw new Error(`${host} answered ${manifest.status} for ${repoPath}@${m.digest}`);
      return (JSON.parse(manifest.body) as { annotations?: Record<string, string> }).annotations?.[BUNDLE_PREDICATE_ANNOTATION] ?? "";
    }),
  );
}

/**
 * Looks up, cheaply (a few manifest requests, no signature check), which of the lab's cosign
 * artifacts of `ref` the registry still holds: the legacy `.sig`/`.att`/`.sbom` tags, or the
 * bundle referrers. Presence is all it says; the verify steps judge the signatures. A registry
 * that cannot be asked leaves every artifact `undefined`.
 */
export async function probeArtifacts(ref: string, format: SignatureFormat, access: ProbeAccess = {}): Promise<ArtifactPresence> {
  const parsed = parseDigestRef(ref, "the image to probe");
  const host = registryHostOf(parsed.repository);
  const repoPath = parsed.repository.slice(host.length + 1);
  const tagOf = (suffix: "sig" | "att" | "sbom") => legacyArtifactRef(parsed, suffix).slice(parsed.repository.length + 1);
  try {
    const attachment = await manifestExists(host, repoPath, tagOf("sbom"), access);
    if (format === "legacy") {
      const [signature, attestation] = await Promise.all([
        manifestExists(host, repoPath, tagOf("sig"), access),
        manifestExists(host, repoPath, tagOf("att"), access),
      ]);
      return { signature, attestation, attachment };
    }
    const predicates = await bundlePredicates(host, repoPath, parsed.digest, access);
    return {
      signature: predicates.includes(SIGNATURE_PREDICATE),
      attestation: predicates.some((p) => p !== "" && p !== SIGNATURE_PREDICATE),
      attachment,
    };
  } catch {
    return {};
  }
}

/**
 * Whether the registry serves the manifest of `ref` (one HEAD by digest, as every verify step
 * asks it first): `false` on 404, `undefined` when the registry could not tell (down, refused).
 */
export async function probeManifest(ref: string, access: ProbeAccess = {}): Promise<boolean | undefined> {
  const parsed = parseDigestRef(ref, "the image to probe");
  const host = registryHostOf(parsed.repository);
  try {
    const answer = await get("HEAD", host, `/v2/${parsed.repository.slice(host.length + 1)}/manifests/${parsed.digest}`, access);
    if (answer.status === 404) return false;
    return answer.status === 200 && (answer.digest === undefined || answer.digest === parsed.digest) ? true : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the tag `taggedRef` (`host[:port]/name:tag`) points now (one HEAD): its digest, `null`
 * when the tag is gone, `undefined` when the registry could not tell.
 */
export async function probeTag(taggedRef: string, access: ProbeAccess = {}): Promise<string | null | undefined> {
  const host = registryHostOf(taggedRef);
  const colon = taggedRef.lastIndexOf(":");
  if (colon <= host.length) return undefined;
  try {
    const answer = await get(
      "HEAD",
      host,
      `/v2/${taggedRef.slice(host.length + 1, colon)}/manifests/${taggedRef.slice(colon + 1)}`,
      access,
    );
    if (answer.status === 404) return null;
    return answer.status === 200 ? answer.digest : undefined;
  } catch {
    return undefined;
  }
}
