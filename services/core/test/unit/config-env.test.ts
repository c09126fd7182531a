import { describe, expect, it } from "vitest";
import { ConfigError, expandEnv } from "../../src/index.js";

describe("expandEnv", () => {
  const env = { HOST: "redis", PORT: "6379", EMPTY: "" };

  it("expands ${VAR} and $VAR", () => {
    expect(expandEnv("connection_string: ${HOST}:$PORT", env)).toBe("connection_string: redis:6379");
  });

  it("uses ${VAR:-default} when the variable is unset or empty", () => {
    expect(expandEnv("a: ${MISSING:-x}, b: ${EMPTY:-y}, c: ${HOST:-z}", env)).toBe("a: x, b: y, c: redis");
    expect(expandEnv("a: ${MISSING:-}", env)).toBe("a: ");
  });

  it("fails naming an unset variable and its line", () => {
    expect(() => expandEnv("project: p\npath: $NOPE\n", env)).toThrow(ConfigError);
    expect(() => expandEnv("project: p\npath: $NOPE\n", env)).toThrow(/line 2: environment variable NOPE is not set/);
    expect(() => expandEnv("path: ${NOPE}", env)).toThrow(/NOPE/);
  });

  it("keeps $$ as a literal dollar and a lone $ as is", () => {
    expect(expandEnv("password: pa$$word$ and $1", env)).toBe("password: pa$word$ and $1");
  });

  it("leaves whole-line comments alone", () => {
    expect(expandEnv("  # uses $UNSET\nhost: $HOST", env)).toBe("  # uses $UNSET\nhost: redis");
  });

  it("rejects malformed references", () => {
    expect(() => expandEnv("a: ${1BAD}", env)).toThrow(/not a valid variable reference/);
    expect(() => expandEnv("a: ${HOST", env)).toThrow(/no closing/);
  });
});
