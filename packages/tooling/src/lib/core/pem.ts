import { createHash } from "node:crypto";

/** One PEM block: its label (`PUBLIC KEY`, `ENCRYPTED SIGSTORE PRIVATE KEY`, …) and full text. */
export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?\r?\n-----END \1-----/g;

/** The PEM blocks of `text`, in order. */
export function splitPemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? "", text: `${m[0]}\n` }));
}

/** Splits what `cosign generate-key-pair` wrote into the private and the public key PEM. */
export function splitCosignKeyPair(text: string): { privateKeyPem: string; publicKeyPem: string } {
  const blocks = splitPemBlocks(text);
  const privateKey = blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
  const publicKey = blocks.find((b) => b.label === "PUBLIC KEY");
  if (!privateKey || !publicKey) {
    throw new Error(`cosign generate-key-pair printed ${blocks.length} PEM block(s), want a private and a public key`);
  }
  return { privateKeyPem: privateKey.text, publicKeyPem: publicKey.text };
}

/** sha256 of a public key PEM's base64 body: the key's identity, unaffected by line endings. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const [block] = splitPemBlocks(publicKeyPem);
  if (block?.label !== "PUBLIC KEY") {
    throw new Error("not a PUBLIC KEY PEM");
  }
  const body = block.text
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith("-----"))
    .join("");
  return createHash("sha256").update(Buffer.from(body, "base64")).digest("hex");
}

/** A PEM block of `label` around a base64 body, as tools write them. */
export function pemBlock(label: string, base64Body: string): string {
  return `-----BEGIN ${label}-----\n${base64Body}\n-----END ${label}-----\n`;
}
