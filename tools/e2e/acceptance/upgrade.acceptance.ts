import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { changeCounts, EngineLab, resourcesSummary } from "./engine-lab.js";

// An upgrade on a running lab, under the real engine: `lab:up` with an earlier version of the
// program, then `lab:up` again after pulling this one. Whatever the earlier version made stays:
// the upgrade may add what is new, and re-run a verify step whose script changed, but it neither
// replaces nor deletes a resource, so nothing is built, signed or scanned again. The earlier version is the last commit before
// the lab became one component (SigningLab): its resources sat at the stack root, and the
// children's aliases must carry every one of them over; only the component itself is new.
const EARLIER = "c20c815";
const STACK = "upgrade";

let lab: EngineLab;

beforeAll(async () => {
  // The default lab publishes 5001 (registry), 5002 (promotion) and 8090 (app) on 127.0.0.1.
  const published = (await execa("docker", ["ps", "--format", "{{.Names}} {{.Ports}}"])).stdout.split("\n");
  const taken = published.filter((line) => line.startsWith(`${STACK}-`) || /:(5001|5002|8090)->/.test(line));
  if (taken.length > 0) throw new Error(`a lab is already running here (${taken.join(", ")}): npm run lab:destroy it first`);
  lab = await EngineLab.cloneAt(EARLIER);
});

afterAll(async () => {
  await lab?.npm("lab:destroy", STACK);
  lab?.remove();
});

describe("an upgrade of the program on a running lab", () => {
  it(`lab:up at ${EARLIER}, then at this version: nothing the earlier version made changes`, async () => {
    const first = await lab.npm("lab:up", STACK);
    expect(first.exitCode, String(first.all).slice(-3000)).toBe(0);
    await lab.upgrade();
    const upgraded = await lab.npm("lab:up", STACK);
    const summary = resourcesSummary(String(upgraded.all));
    console.log(`--- lab:up after the upgrade\n${summary}`);
    expect(upgraded.exitCode, String(upgraded.all).slice(-3000)).toBe(0);
    expect(changeCounts(String(upgraded.all)).filter((line) => !/created|updated/.test(line))).toEqual([]);
    // Created: only what is new: the SigningLab component itself and each image's new steps
    // (the OCI archive of seed step 1.4, the tag step that puts a moved tag back).
    const created = [...String(upgraded.all).matchAll(/^\s*\+\s+(\S+) (\S+) created/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(
      created.filter(
        (resource) => resource !== "signed-image-lab:lab:SigningLab lab" && !/^command:local:Command \S+-(archive|tag)$/.test(resource),
      ),
    ).toEqual([]);
    // Since every verify step first asks the registry for the manifest, their scripts changed: a
    // verify step (and nothing that signs, scans or builds) runs once again after the upgrade.
    const updated = [...String(upgraded.all).matchAll(/^\s*~\s+command:local:Command (\S+) updated/gm)].map((m) => m[1]);
    expect(
      updated.filter((name) => !/-(verify|verify-attestation|verify-provenance|policy|promote|verify-promoted)$/.test(name ?? "")),
    ).toEqual([]);
    expect(String(upgraded.all)).toContain("all images as deployed");
  });
});
