import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpointOutputs } from "./previous-outputs.js";

const root = mkdtempSync(join(tmpdir(), "previous-outputs-"));
const backend = pathToFileURL(root).href;
const stacks = join(root, ".pulumi", "stacks", "signed-image-lab");
mkdirSync(stacks, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const checkpoint = (outputs: Record<string, unknown>) =>
  JSON.stringify({
    version: 3,
    checkpoint: {
      latest: {
        resources: [
          { type: "pulumi:providers:docker", outputs: {} },
          { type: "pulumi:pulumi:Stack", outputs },
        ],
      },
    },
  });

describe("readCheckpointOutputs", () => {
  it("reads the root stack's outputs of the last update from a file backend", () => {
    writeFileSync(join(stacks, "dev.json"), checkpoint({ drift: { app: { digestRef: "x" } } }));
    expect(readCheckpointOutputs(backend, "signed-image-lab", "dev")).toEqual({ drift: { app: { digestRef: "x" } } });
  });

  it("has nothing for a stack that was never updated", () => {
    expect(readCheckpointOutputs(backend, "signed-image-lab", "never")).toBeUndefined();
    writeFileSync(join(stacks, "empty.json"), JSON.stringify({ version: 3, checkpoint: { stack: "empty" } }));
    expect(readCheckpointOutputs(backend, "signed-image-lab", "empty")).toBeUndefined();
  });

  it("reads again while the engine is still writing the file (an empty or cut-off checkpoint)", async () => {
    const file = join(stacks, "busy.json");
    writeFileSync(file, "");
    // Another process completes the file 300 ms later, as the engine would.
    const writer = spawn(process.execPath, [
      "-e",
      `setTimeout(() => require("fs").writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(checkpoint({ n: 1 }))}), 300)`,
    ]);
    expect(readCheckpointOutputs(backend, "signed-image-lab", "busy")).toEqual({ n: 1 });
    await new Promise((resolve) => writer.on("exit", resolve));
    writeFileSync(file, '{"version": 3, "checkp');
    expect(() => readCheckpointOutputs(backend, "signed-image-lab", "busy", 2)).toThrow(/could not be read as a checkpoint/);
  });
});
