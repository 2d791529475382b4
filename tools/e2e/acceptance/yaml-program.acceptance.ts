import { describeLanguageProgram } from "../support/language-program.js";

// A Pulumi YAML program (examples/yaml, the program of docs/use-from-your-program.md) composing the
// package's Registry, SigningKey, SigningPipeline and VerifiedContainer: a registry at
// 127.0.0.1:5301 and the app at 8391. tools/scripts/test-engine.sh runs this only where
// pulumi-language-yaml is on PATH.
describeLanguageProgram({ language: "YAML", example: "yaml", stack: "yamllab", registryPort: 5301, appPort: 8391 });
