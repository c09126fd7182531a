import { ConfigError } from "@larder/core";
import { describe, expect, it } from "vitest";
import { createOnlineStore } from "../../src/online-store/create-online-store.js";

describe("createOnlineStore", () => {
  it("refuses a plugin store whose module was not loaded, and the disabled store, with ConfigError", () => {
    expect(() => createOnlineStore({ type: "plugin", module: "pkg#Store", options: {} })).toThrow(ConfigError);
    expect(() => createOnlineStore({ type: "plugin", module: "pkg#Store", options: {} })).toThrow(/not loaded/);
    expect(() => createOnlineStore({ type: "none" })).toThrow(ConfigError);
  });
});
