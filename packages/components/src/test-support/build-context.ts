import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A build context with a Dockerfile and one source file, as the Image component reads it for provenance. */
export function tempBuildContext(): string {
  const context = mkdtempSync(join(tmpdir(), "lab-context-"));
  mkdirSync(join(context, "src"));
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile's ARG expansion, not a template
  writeFileSync(join(context, "Dockerfile"), "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY src /app/src\n");
  writeFileSync(join(context, "src", "server.js"), "console.log('hello');\n");
  return context;
}
