/** SBOM formats the lab produces, with the names each tool uses for them. */
export const SBOM_FORMATS = {
  "spdx-json": { syftOutput: "spdx-json", attestType: "spdxjson", attachType: "spdx", fileSuffix: "spdx.json" },
  "cyclonedx-json": { syftOutput: "cyclonedx-json", attestType: "cyclonedx", attachType: "cyclonedx", fileSuffix: "cdx.json" },
} as const;

/** An SBOM format the lab supports. */
export type SbomFormat = keyof typeof SBOM_FORMATS;

/** Every supported format, for validation messages. */
export const SBOM_FORMAT_NAMES = Object.keys(SBOM_FORMATS) as SbomFormat[];
