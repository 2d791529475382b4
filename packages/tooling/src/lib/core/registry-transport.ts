import { expand, type Word } from "./shell-words.js";
import { STEP_TMP, type ToolInvocation } from "./step-script.js";

/**
 * How every step and probe reaches a registry. One rule: plain HTTP only for a loopback host
 * without a CA (the lab's own registry); anything else is https, verified against the given CA
 * or the system store, and never falls back to HTTP. Registry credentials therefore never cross
 * an unchecked channel off this machine.
 */
export interface RegistryTransport {
  /** True only for a loopback host without a CA. */
  readonly plainHttp: boolean;
  /** PEM file of the private CA to trust; absent means the system store (or plain HTTP). */
  readonly registryCaFile?: string;
}

/** Loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`, with or without a port). */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The transport for `registryHost` (`host[:port]`), trusting `registryCaFile` when given. */
export function registryTransport(registryHost: string, registryCaFile?: string): RegistryTransport {
  return { plainHttp: registryCaFile === undefined && isLoopbackHost(registryHost), registryCaFile };
}

/**
 * The `--cert-dir` of skopeo and lab-policy-check: a folder in the step's private temporary
 * directory holding only the given CA, so that no other `*.crt` beside the user's file is trusted.
 */
export const PRIVATE_CERT_DIR = expand(STEP_TMP, "/certs");

/** The commands that copy `registryCaFile` alone into {@link PRIVATE_CERT_DIR}. */
export function privateCertDirInvocations(registryCaFile: string): ToolInvocation[] {
  return [{ argv: ["mkdir", PRIVATE_CERT_DIR] }, { argv: ["cp", "--", registryCaFile, expand(STEP_TMP, "/certs/ca.crt")] }];
}

/** The TLS flags of skopeo and lab-policy-check for `transport`. */
export function containersTlsFlags(transport: RegistryTransport): Word[] {
  return [`--tls-verify=${!transport.plainHttp}`, ...(transport.registryCaFile ? ["--cert-dir", PRIVATE_CERT_DIR] : [])];
}

/** Which side of `oras cp` a registry is: its flags are prefixed `--from-` / `--to-`; other oras commands take them bare. */
export type OrasSide = "from" | "to" | "";

/**
 * oras's TLS flags for `transport`. Plain HTTP is said explicitly either way: oras would
 * otherwise pick plain HTTP for `localhost` on its own, also when a CA is given.
 */
export function orasTlsFlags(transport: RegistryTransport, side: OrasSide): Word[] {
  const flag = (name: string) => (side ? `--${side}-${name}` : `--${name}`);
  return [`${flag("plain-http")}=${transport.plainHttp}`, ...(transport.registryCaFile ? [flag("ca-file"), transport.registryCaFile] : [])];
}
