import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_SERVER_OPTIONS, validateServerOptions } from "../../src/index.js";

describe("validateServerOptions", () => {
  it("fills every default", () => {
    expect(validateServerOptions({})).toEqual(DEFAULT_SERVER_OPTIONS);
    expect(validateServerOptions({ port: 6566, host: undefined }).port).toBe(6566);
    expect(DEFAULT_SERVER_OPTIONS.maxMessageBytes).toBe(4 * 1024 * 1024);
  });

  it("fails fast naming the option and its bounds", () => {
    expect(() => validateServerOptions({ port: 70_000 })).toThrow(ConfigError);
    expect(() => validateServerOptions({ port: 70_000 })).toThrow(/port must be an integer between 0 and 65535/);
    expect(() => validateServerOptions({ maxConcurrentCalls: 0 })).toThrow(/maxConcurrentCalls/);
    expect(() => validateServerOptions({ shutdownGraceMs: 1.5 })).toThrow(/shutdownGraceMs/);
  });
});
