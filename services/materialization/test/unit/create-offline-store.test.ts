import { ConfigError } from "@larder/core";
import { describe, expect, it } from "vitest";
import { createOfflineStore } from "../../src/offline-store/create-offline-store.js";

describe("createOfflineStore", () => {
  it("builds the file store for type file", async () => {
    const store = createOfflineStore({ type: "file" }, { repoPath: "/tmp" });
    expect(typeof store.pullLatest).toBe("function");
    await store.close();
  });

  it("refuses a plugin module that loadRepoConfig did not load, with a ConfigError", () => {
    expect(() =>
      createOfflineStore({ type: "plugin", module: "./my-store.js", options: {} }, { repoPath: "/tmp" }),
    ).toThrow(ConfigError);
  });
});
