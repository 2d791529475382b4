import { describe, expect, it } from "vitest";
import { digest, UNKNOWN } from "../test-support/policy-args.js";
import { dockerfileBaseImages, imageFieldsOf, isImageId, isPinnedByDigest } from "./image-references.js";
import { kubernetesKindOf } from "./resource-types.js";
import { unknownCheckingProxy } from "./unknown-values.js";

const REF = `localhost:5001/studentbook@${digest("a")}`;

describe("isPinnedByDigest / isImageId", () => {
  it("takes repo@sha256 and repo:tag@sha256, refuses tags, short digests and bare IDs", () => {
    expect(isPinnedByDigest(REF)).toBe(true);
    expect(isPinnedByDigest(`localhost:5001/studentbook:1.0@${digest("a")}`)).toBe(true);
    expect(isPinnedByDigest("localhost:5001/studentbook:1.0")).toBe(false);
    expect(isPinnedByDigest("nginx")).toBe(false);
    expect(isPinnedByDigest("localhost:5001/studentbook@sha256:abc")).toBe(false);
    expect(isPinnedByDigest(digest("a"))).toBe(false);
    expect(isImageId(digest("a"))).toBe(true);
    expect(isImageId("sha256:ABC")).toBe(false);
  });
});

describe("dockerfileBaseImages", () => {
  it("lists FROM references, skipping scratch, flags and earlier stages", () => {
    const dockerfile = [
      `FROM --platform=linux/amd64 node:22 AS build`,
      "RUN npm ci",
      `from ${REF} as runtime`,
      "FROM build AS test",
      "FROM scratch",
    ].join("\n");
    expect(dockerfileBaseImages(dockerfile)).toEqual(["node:22", REF]);
  });
});

describe("imageFieldsOf", () => {
  it("finds every container image of a kubernetes workload with its path", () => {
    const deployment = {
      spec: {
        template: {
          spec: { initContainers: [{ name: "init", image: "busybox:1" }], containers: [{ name: "app", image: REF }, { name: "side" }] },
        },
      },
    };
    const fields = imageFieldsOf("kubernetes:apps/v1:Deployment", unknownCheckingProxy(deployment));
    expect(fields.map((f) => [f.path, f.reading.known && f.reading.value])).toEqual([
      ["spec.template.spec.initContainers[0].image", "busybox:1"],
      ["spec.template.spec.containers[0].image", REF],
      ["spec.template.spec.containers[1].image", undefined],
    ]);
    const cronJob = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: "job:latest" }] } } } } } };
    expect(imageFieldsOf("kubernetes:batch/v1:CronJob", cronJob).map((f) => f.path)).toEqual([
      "spec.jobTemplate.spec.template.spec.containers[0].image",
    ]);
  });

  it("returns an unknown value (preview) as unknown instead of throwing", () => {
    const [field] = imageFieldsOf("docker:index/container:Container", unknownCheckingProxy({ image: UNKNOWN }));
    expect(field!.reading.known).toBe(false);
    const [list] = imageFieldsOf("kubernetes:core/v1:Pod", unknownCheckingProxy({ spec: { containers: UNKNOWN } }));
    expect(list).toMatchObject({ path: "spec.containers", reading: { known: false } });
  });

  it("holds no image for other types, and reads the kind of any kubernetes API version", () => {
    expect(imageFieldsOf("command:local:Command", { create: "docker run nginx" })).toEqual([]);
    expect(imageFieldsOf("kubernetes:core/v1:ConfigMap", { data: { image: "x" } })).toEqual([]);
    expect(kubernetesKindOf("kubernetes:apps/v1beta2:StatefulSet")).toBe("StatefulSet");
    expect(kubernetesKindOf("docker:index/container:Container")).toBeUndefined();
  });
});
