import { describe, expect, it } from "vitest";
import { validateRepoConfig } from "../../src/index.js";

const repoPath = "/srv/repo";
const registryOf = (registry: unknown) => validateRepoConfig({ project: "p", registry }, { repoPath }).registry;

describe("RepoConfig.registry on S3", () => {
  it("gives an s3:// string path AWS defaults: no endpoint override, virtual-hosted style", () => {
    expect(registryOf("s3://bucket/feast/registry.pb")).toEqual({
      type: "file",
      path: "s3://bucket/feast/registry.pb",
      cacheTtlSeconds: 60,
      pollIntervalSeconds: 5,
      s3: { endpointOverride: undefined, forcePathStyle: false, putObjectParameters: {} },
    });
  });

  it("reads the endpoint override, path style (on by default with an override) and PutObject kwargs", () => {
    expect(
      registryOf({
        registry_type: "file",
        path: "s3://bucket/registry.pb",
        s3_endpoint_override: "http://minio:9000",
        s3_additional_kwargs: { ServerSideEncryption: "AES256" },
      }),
    ).toMatchObject({
      type: "file",
      s3: {
        endpointOverride: "http://minio:9000",
        forcePathStyle: true,
        putObjectParameters: { ServerSideEncryption: "AES256" },
      },
    });
    expect(
      registryOf({ path: "s3://bucket/registry.pb", s3_endpoint_override: "https://r2", s3_force_path_style: false }),
    ).toMatchObject({ s3: { forcePathStyle: false } });
  });

  it("refuses S3 options for other registries, bad endpoints and unknown PutObject parameters, naming the path", () => {
    expect(() => registryOf({ path: "data/registry.pb", s3_endpoint_override: "http://x" })).toThrow(
      /registry\.s3_endpoint_override only applies to an s3:\/\/ registry path/,
    );
    expect(() => registryOf({ path: "s3://b/r.pb", s3_endpoint_override: "minio:9000" })).toThrow(
      /registry\.s3_endpoint_override must be an http/,
    );
    expect(() => registryOf({ path: "s3://b/r.pb", s3_additional_kwargs: { Bogus: "x" } })).toThrow(
      /registry\.s3_additional_kwargs\.Bogus is not a supported PutObject parameter/,
    );
  });
});
