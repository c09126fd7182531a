import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../src/index.js";

// A descriptor that kept its source code info, as a `buf build` image would.
function commentedService() {
  const file = create(FileDescriptorProtoSchema, {
    name: "demo/v1/demo.proto",
    package: "demo.v1",
    syntax: "proto3",
    messageType: [{ name: "Ping", field: [{ name: "count", number: 1, type: 3, label: 1, jsonName: "count" }] }],
    service: [
      { name: "DemoService", method: [{ name: "Ping", inputType: ".demo.v1.Ping", outputType: ".demo.v1.Ping" }] },
    ],
    sourceCodeInfo: {
      location: [
        { path: [6, 0], leadingComments: " DemoService answers pings.\n" },
        { path: [6, 0, 2, 0], leadingComments: " Ping echoes.\n" },
        { path: [4, 0], leadingComments: " A ping.\n" },
        { path: [4, 0, 2, 0], leadingComments: " How many.\n" },
      ],
    },
  });
  return createFileRegistry(file, () => undefined).getService("demo.v1.DemoService")!;
}

describe("buildOpenApi comments", () => {
  it("uses leading proto comments as descriptions when the descriptors carry them", () => {
    const doc = buildOpenApi({ title: "t", version: "1", services: [commentedService()], routes: [] }) as {
      tags: Array<{ description?: string }>;
      paths: Record<string, { post: { description?: string } }>;
      components: { schemas: Record<string, { description?: string; properties: Record<string, object> }> };
    };
    expect(doc.tags[0]?.description).toBe("DemoService answers pings.");
    expect(doc.paths["/demo.v1.DemoService/Ping"]?.post.description).toBe("Ping echoes.");
    const ping = doc.components.schemas["demo.v1.Ping"]!;
    expect(ping.description).toBe("A ping.");
    expect(ping.properties.count).toEqual({
      type: "string",
      format: "int64",
      pattern: "^-?[0-9]+$",
      description: "How many.",
    });
  });
});
