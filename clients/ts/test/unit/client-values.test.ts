import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLIENT_OPTIONS,
  InvalidArgumentError,
  fromValue,
  toValue,
  typed,
  validateClientOptions,
} from "@larder/sdk";
import { toColumns } from "../../src/client/values.js";

describe("client values", () => {
  it("sends JS values as the matching proto Value", () => {
    expect(toValue(1001)).toEqual({ int64Val: 1001n });
    expect(toValue(0.5)).toEqual({ doubleVal: 0.5 });
    expect(toValue(7n)).toEqual({ int64Val: 7n });
    expect(toValue("Oslo")).toEqual({ stringVal: "Oslo" });
    expect(toValue(true)).toEqual({ boolVal: true });
    expect(toValue(null)).toEqual({});
    expect(toValue(new Date("2024-05-01T00:00:01.900Z"))).toEqual({ unixTimestampVal: 1714521601n });
    expect(toValue([1, 2])).toEqual({ int64ListVal: { val: [1n, 2n] } });
    expect(toValue([0.5, 1])).toEqual({ doubleListVal: { val: [0.5, 1] } });
    expect(toValue(["a", null])).toEqual({ listVal: { val: [{ stringVal: "a" }, {}] } });
    expect(toValue(typed.float(0.25))).toEqual({ floatVal: 0.25 });
    expect(toValue(typed.int32(3))).toEqual({ int32Val: 3 });
  });

  it("returns proto Values as JS values, int64 as configured", () => {
    expect(fromValue({ int64Val: 9007199254740993n })).toBe(9007199254740993n);
    expect(fromValue({ int64Val: 5n }, "number")).toBe(5);
    expect(fromValue({ int64Val: 5n }, "string")).toBe("5");
    expect(fromValue({})).toBeNull();
    expect(fromValue(undefined)).toBeNull();
    expect(fromValue({ unixTimestampVal: 1714521600n })).toEqual(new Date("2024-05-01T00:00:00Z"));
    expect(fromValue({ bytesVal: Buffer.from([1, 2]) })).toEqual(new Uint8Array([1, 2]));
    expect(fromValue({ floatListVal: { val: [0.5] } })).toEqual([0.5]);
    expect(fromValue({ int64ListVal: { val: [1n] } }, "number")).toEqual([1]);
    expect(fromValue({ mapVal: { val: { a: { stringVal: "x" } } } })).toEqual({ a: "x" });
  });

  it("takes rows or columns, and types declared columns", () => {
    const rows = toColumns([{ driver_id: 1, conv: 0.5 }, { driver_id: 2 }], "rows", { conv: "FLOAT" });
    expect(rows).toEqual({
      driver_id: { val: [{ int64Val: 1n }, { int64Val: 2n }] },
      conv: { val: [{ floatVal: 0.5 }, {}] },
    });
    expect(toColumns({ driver_id: [1, 2] }, "entities")).toEqual({
      driver_id: { val: [{ int64Val: 1n }, { int64Val: 2n }] },
    });
    expect(() => toColumns({ a: [1], b: [1, 2] }, "entities")).toThrow(InvalidArgumentError);
  });
});

describe("validateClientOptions", () => {
  it("fills the defaults", () => {
    const options = validateClientOptions();
    expect(options.target).toBe(DEFAULT_CLIENT_OPTIONS.target);
    expect(options.retry).toEqual(DEFAULT_CLIENT_OPTIONS.retry);
    expect(options.deadlineMs).toBe(10_000);
  });

  it("refuses bad values naming the option", () => {
    expect(() => validateClientOptions({ target: "http://x" })).toThrow(/target/);
    expect(() => validateClientOptions({ retry: { maxAttempts: 0 } })).toThrow(/retry\.maxAttempts/);
    expect(() => validateClientOptions({ deadlineMs: -1 })).toThrow(/deadlineMs/);
  });
});
