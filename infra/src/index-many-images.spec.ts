import { beforeAll, describe, expect, it } from "vitest";
import { scriptOf, valueOf, type RecordingMocks } from "../../packages/components/src/test-support/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

let mocks: RecordingMocks;
let program: LabProgram;
const images = [
  { name: "studentbook", context: "packages/studentbook" },
  { name: "team/api", context: "packages/studentbook", tag: "2.0" },
];

beforeAll(async () => {
  ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", images: JSON.stringify(images) }, ["cosignPassword"]));
  await Promise.all(Object.values(program.images).map((image) => valueOf(image.attestedRef!)));
  await valueOf(program.appRef!);
});

describe("the lab program with several images", () => {
  it("builds, signs, verifies and attests each image on its own chain, named after it", async () => {
    const studentbook = await valueOf(program.images.studentbook!.verifiedRef);
    const api = await valueOf(program.images["team/api"]!.verifiedRef);
    expect(studentbook).toMatch(/^localhost:5001\/studentbook@sha256:/);
    expect(api).toMatch(/^localhost:5001\/team\/api@sha256:/);
    expect(mocks.named("team/api", "docker:index/image:Image").inputs.imageName).toBe("localhost:5001/team/api:2.0");
    expect(scriptOf(mocks.named("team/api-sign"))).toContain(api);
    expect(scriptOf(mocks.named("team/api-sign"))).not.toContain(studentbook);
    expect(scriptOf(mocks.named("team/api-attest"))).toContain(api);
    expect(scriptOf(mocks.named("studentbook-sign"))).toContain(studentbook);
  });

  it("signs every image with the one key and runs only the first as the app", async () => {
    expect(mocks.ofType("command:local:Command").filter((r) => r.name.endsWith("-generate"))).toHaveLength(1);
    expect(await valueOf(program.appRef!)).toBe(await valueOf(program.images.studentbook!.verifiedRef));
  });

  it("reports per image in the stack outputs", async () => {
    expect(Object.keys(program.images)).toEqual(["studentbook", "team/api"]);
    expect(await valueOf(program.images["team/api"]!.sbomPackageCount)).toBe(42);
  });
});

describe("image config errors name the image", () => {
  it("refuses a duplicate and a bad name with their positions", async () => {
    const { parseLabConfig } = await import("@signed-image-lab/components");
    const bad = JSON.stringify([{ name: "studentbook" }, { name: "Bad Name" }, { name: "studentbook" }]);
    expect(() => parseLabConfig("signed-image-lab", { cosignPassword: "pw", images: bad }, new Set(["cosignPassword"]))).toThrow(
      /signed-image-lab:images\[1\]\.name: must be a lower-case repository name[\s\S]*signed-image-lab:images\[2\]\.name: "studentbook" is listed twice/,
    );
  });
});
