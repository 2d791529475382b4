import { parseDigestRef, registryHostOf } from "../core/image-ref.js";
import { registryTransport } from "../core/registry-transport.js";
import { MANIFEST_TYPES } from "./registry-probe.js";
import { SecretEnv, type StepScript, type ToolInvocation } from "../core/step-script.js";

/**
 * The registry's own answer about one manifest, asked with node (no other tool): `served` HEADs
 * the manifest by digest and fails unless the registry serves it; `restore-tag` puts the tag back
 * on the digest (GET of the manifest by digest, PUT under the tag) unless it already points there.
 * The scheme comes from the transport rule (argv); the credentials from the step's
 * LAB_REGISTRY_USERNAME / LAB_REGISTRY_PASSWORD, sent as Basic, or for a token of the registry's
 * Bearer challenge. Arguments: mode, base URL, repository path, digest, tag (or ""), CA file (or "").
 */
const MANIFEST_SCRIPT = [
  'const [mode, base, repo, digest, tag, ca] = process.argv.slice(1); const fs = require("fs");',
  'const lib = require(base.startsWith("https:") ? "https" : "http"); const caPem = ca ? fs.readFileSync(ca) : undefined;',
  `const user = process.env.${SecretEnv.registryUsername}; const pass = process.env.${SecretEnv.registryPassword} || "";`,
  'const basic = user ? "Basic " + Buffer.from(user + ":" + pass).toString("base64") : undefined; let auth = basic;',
  "const ask = (method, url, headers, body) => new Promise((ok, fail) => {",
  "  const r = lib.request(url, { method, headers, timeout: 10000, ...(caPem ? { ca: caPem } : {}) }, (res) => {",
  '    const c = []; res.on("data", (d) => c.push(d)); res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(c) }));',
  "  });",
  '  r.on("timeout", () => r.destroy(new Error(base + " did not answer within 10 s"))); r.on("error", fail); r.end(body);',
  "});",
  "const call = async (method, path, headers = {}, body) => {",
  '  const url = base + "/v2/" + repo + "/manifests/" + path;',
  `  const send = () => ask(method, url, { Accept: ${JSON.stringify(MANIFEST_TYPES)}, ...(auth ? { Authorization: auth } : {}), ...headers }, body);`,
  "  let res = await send();",
  '  const challenge = /^Bearer\\s+(.*)$/i.exec(res.headers["www-authenticate"] || "");',
  "  if (res.status === 401 && challenge) {",
  '    const p = Object.fromEntries([...challenge[1].matchAll(/(\\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));',
  '    const q = new URL(p.realm); for (const k of ["service", "scope"]) if (p[k]) q.searchParams.set(k, p[k]);',
  '    const t = await ask("GET", q, basic ? { Authorization: basic } : {});',
  '    const token = t.status === 200 ? JSON.parse(t.body.toString("utf8")) : {};',
  '    if (token.token || token.access_token) { auth = "Bearer " + (token.token || token.access_token); res = await send(); }',
  "  }",
  "  return res;",
  "};",
  'const ref = base.replace(/^https?:\\/\\//, "") + "/" + repo + "@" + digest;',
  "const fail = (line) => { console.error(line); process.exit(1); };",
  "(async () => {",
  '  const head = await call("HEAD", digest);',
  '  const served = head.status === 200 && [undefined, digest].includes(head.headers["docker-content-digest"]);',
  '  if (head.status === 404) fail("the registry does not serve the manifest of " + ref + " (HTTP 404): the image is gone from the registry, and nothing of it verifies");',
  '  if (!served) fail("could not confirm that the registry serves the manifest of " + ref + " (HTTP " + head.status + ")");',
  '  if (mode !== "restore-tag") return;',
  '  const tagged = await call("HEAD", tag);',
  '  const was = tagged.headers["docker-content-digest"];',
  '  if (tagged.status === 200 && was === digest) return void console.log(base.replace(/^https?:\\/\\//, "") + "/" + repo + ":" + tag);',
  '  const manifest = await call("GET", digest);',
  '  if (manifest.status !== 200) fail("could not read the manifest of " + ref + " (HTTP " + manifest.status + ")");',
  '  const put = await call("PUT", tag, { "Content-Type": manifest.headers["content-type"] }, manifest.body);',
  '  if (put.status !== 201) fail("could not put tag " + tag + " back on " + ref + " (HTTP " + put.status + ")");',
  '  console.error("lab: put tag " + tag + " back on " + digest + (was ? " (it pointed to " + was + ")" : " (it was gone)"));',
  '  console.log(base.replace(/^https?:\\/\\//, "") + "/" + repo + ":" + tag);',
  '})().catch((e) => fail("could not ask the registry about " + ref + ": " + (e.code === "ECONNREFUSED" ? "connection refused (" + e.message + ")" : e.message)));',
].join("\n");

/** Options of the manifest checks. */
export interface ManifestCheckOptions {
  /** The image, pinned by digest. */
  readonly ref: string;
  /** PEM file of the registry's private CA: then https trusting that CA alone (the transport rule). */
  readonly registryCaFile?: string;
  /** The node binary. Default `node` on PATH. */
  readonly node?: string;
}

function manifestInvocation(options: ManifestCheckOptions, mode: "served" | "restore-tag", tag: string): ToolInvocation {
  const { repository, digest } = parseDigestRef(options.ref, "the image whose manifest to check");
  const host = registryHostOf(repository);
  const scheme = registryTransport(host, options.registryCaFile).plainHttp ? "http" : "https";
  return {
    argv: [
      options.node ?? "node",
      "-e",
      MANIFEST_SCRIPT,
      mode,
      `${scheme}://${host}`,
      repository.slice(host.length + 1),
      digest,
      tag,
      options.registryCaFile ?? "",
    ],
  };
}

/**
 * A HEAD of the manifest by digest: the command fails, naming the digest, unless the registry
 * serves it. Every verify step runs it first. cosign verifies a digest's signatures without
 * ever fetching the image's manifest, so signatures left behind for an image the registry lost
 * would verify.
 */
export function manifestServedInvocation(options: ManifestCheckOptions): ToolInvocation {
  return manifestInvocation(options, "served", "");
}

/** {@link manifestServedInvocation} as a step of its own (`lab:status` asks it first). */
export function manifestServedStep(options: ManifestCheckOptions): StepScript {
  const { repository } = parseDigestRef(options.ref, "the image whose manifest to check");
  return { registryHost: registryHostOf(repository), subject: options.ref, invocations: [manifestServedInvocation(options)] };
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Puts `tag` back on the digest when it points elsewhere (another image was pushed under it) or
 * is gone: the manifest of the digest, as the registry serves it, PUT under the tag. Prints
 * `host/name:tag` on stdout and, when it moved the tag, one line on stderr saying from where.
 * Fails, naming the digest, when the registry does not serve the digest's manifest.
 */
export function restoreTagStep(options: ManifestCheckOptions & { readonly tag: string }): StepScript {
  if (!TAG.test(options.tag)) throw new Error(`not a tag: ${JSON.stringify(options.tag)}`);
  const { repository } = parseDigestRef(options.ref, "the image to tag");
  return {
    registryHost: registryHostOf(repository),
    subject: options.ref,
    invocations: [manifestInvocation(options, "restore-tag", options.tag)],
  };
}
