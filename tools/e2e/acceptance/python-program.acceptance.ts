import { execa } from "execa";
import { join } from "node:path";
import { describeLanguageProgram } from "../support/language-program.js";

// A Python program over the component package (examples/python, the program of
// docs/use-from-your-program.md): its own venv with the pulumi SDK from PyPI, `pulumi package add`
// of packages/signing-lab, SigningLab on a registry at 127.0.0.1:5201 and the app at 8291.
// tools/scripts/test-engine.sh runs this only where pulumi-language-python is on PATH.
describeLanguageProgram({
  language: "Python",
  example: "python",
  stack: "pylab",
  registryPort: 5201,
  appPort: 8291,
  // The examples/python program (and the docs) import the SDK by this name.
  addPrints: "import signed_image_lab_signing_lab as signing_lab",
  prepare: async (dir, env) => {
    await execa("python3", ["-m", "venv", "venv"], { cwd: dir, env });
    await execa(join(dir, "venv", "bin", "pip"), ["install", "--quiet", "-r", "requirements.txt"], { cwd: dir, env, timeout: 600_000 });
  },
});
