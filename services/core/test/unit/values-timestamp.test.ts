import { create } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  InvalidArgumentError,
  parseIsoTimestamp,
  parseTimestamp,
  timestampMsToRfc3339,
  timestampToRfc3339,
  zonedTimestampToIso,
} from "../../src/index.js";

const ts = (seconds: bigint, nanos = 0) => create(TimestampSchema, { seconds, nanos });

describe("timestampToRfc3339", () => {
  it.each([
    [ts(0n), "1970-01-01T00:00:00Z"],
    [undefined, "1970-01-01T00:00:00Z"],
    [ts(1640991600n), "2021-12-31T23:00:00Z"],
    [ts(1640991600n, 120_000_000), "2021-12-31T23:00:00.120Z"],
    [ts(1640991600n, 123_456_000), "2021-12-31T23:00:00.123456Z"],
    [ts(1640991600n, 123_456_789), "2021-12-31T23:00:00.123456789Z"],
    [ts(1640991600n, 1), "2021-12-31T23:00:00.000000001Z"],
    [ts(1640991600n, 1_000), "2021-12-31T23:00:00.000001Z"],
    [ts(951782400n), "2000-02-29T00:00:00Z"],
    [ts(-1n), "1969-12-31T23:59:59Z"],
    [ts(-62135596800n), "0001-01-01T00:00:00Z"],
    [ts(253402300799n, 999_999_999), "9999-12-31T23:59:59.999999999Z"],
  ])("%o → %s", (input, expected) => {
    expect(timestampToRfc3339(input)).toBe(expected);
  });

  it("formats epoch milliseconds with 3 digits when there is a fraction", () => {
    expect(timestampMsToRfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(timestampMsToRfc3339(1640991600123)).toBe("2021-12-31T23:00:00.123Z");
    expect(timestampMsToRfc3339(1640991600000)).toBe("2021-12-31T23:00:00Z");
    expect(timestampMsToRfc3339(-1)).toBe("1969-12-31T23:59:59.999Z");
  });
});

describe("parseTimestamp", () => {
  it.each([
    ["2021-12-31T23:00:00Z", 1640991600n, 0],
    ["2021-12-31T23:00:00", 1640991600n, 0],
    ["2021-12-31 23:00:00", 1640991600n, 0],
    ["2022-01-01T00:00:00+01:00", 1640991600n, 0],
    ["2022-01-01T00:00:00+0100", 1640991600n, 0],
    ["2021-12-31T18:00:00-05", 1640991600n, 0],
    ["2021-12-31T23:00:00.5Z", 1640991600n, 500_000_000],
    ["2021-12-31T23:00:00.123456789123Z", 1640991600n, 123_456_789],
    ["2021-12-31T23:00", 1640991600n, 0],
    ["2021-12-31", 1640908800n, 0],
    ["  2021-12-31T23:00:00 UTC ", 1640991600n, 0],
    ["1640991600", 1640991600n, 0],
    ["1640991600.25", 1640991600n, 250_000_000],
    ["1640991600123", 1640991600n, 123_000_000],
  ])("%s", (input, seconds, nanos) => {
    expect(parseTimestamp(input, "t")).toEqual({ seconds, nanos });
  });

  it("reads numbers as epoch seconds, and as milliseconds from 1e11 on", () => {
    expect(parseTimestamp(1640991600, "t")).toEqual({ seconds: 1640991600n, nanos: 0 });
    expect(parseTimestamp(1.5, "t")).toEqual({ seconds: 1n, nanos: 500_000_000 });
    expect(parseTimestamp(-1.5, "t")).toEqual({ seconds: -2n, nanos: 500_000_000 });
    expect(parseTimestamp(99_999_999_999, "t")).toEqual({ seconds: 99_999_999_999n, nanos: 0 });
    expect(parseTimestamp(1640991600123, "t")).toEqual({ seconds: 1640991600n, nanos: 123_000_000 });
    expect(parseTimestamp(12n, "t")).toEqual({ seconds: 12n, nanos: 0 });
    expect(parseTimestamp(new Date(1640991600123), "t")).toEqual({ seconds: 1640991600n, nanos: 123_000_000 });
  });

  it.each([
    "2021-13-01T00:00:00Z",
    "2021-02-29T00:00:00Z",
    "2021-12-31T24:00:00Z",
    "2021-12-31T23:60:00Z",
    "2021-12-31T23:00:60Z",
    "2021-12-31T23:00:00+24:00",
    "yesterday",
    "",
    "0000-01-01",
    true,
    null,
    {},
    Number.NaN,
    new Date(Number.NaN),
  ])("rejects %o naming where", (input) => {
    expect(() => parseTimestamp(input, "df.event_timestamp[2]")).toThrow(InvalidArgumentError);
    expect(() => parseTimestamp(input, "df.event_timestamp[2]")).toThrow(
      /^df\.event_timestamp\[2\]: expected an RFC 3339 timestamp/,
    );
  });

  it("reports the written offset", () => {
    expect(parseIsoTimestamp("2026-06-09T09:00:00-07:00")?.offset).toBe("-07:00");
    expect(parseIsoTimestamp("2026-06-09T09:00:00")?.offset).toBeUndefined();
  });
});

describe("zonedTimestampToIso", () => {
  it("writes the instant in its zone, with Python's offset format", () => {
    expect(zonedTimestampToIso(1781020800n, "America/Los_Angeles")).toBe("2026-06-09T09:00:00-07:00");
    expect(zonedTimestampToIso(1767225600n, "America/Los_Angeles")).toBe("2025-12-31T16:00:00-08:00");
    expect(zonedTimestampToIso(1781020800n, "Asia/Kolkata")).toBe("2026-06-09T21:30:00+05:30");
    expect(zonedTimestampToIso(1781020800n, "UTC")).toBe("2026-06-09T16:00:00+00:00");
    expect(zonedTimestampToIso(1781020800n, "-0700")).toBe("2026-06-09T09:00:00-07:00");
    expect(zonedTimestampToIso(-2717640000n, "America/New_York")).toBe("1883-11-18T15:00:00-05:00");
  });

  it("falls back to UTC for unknown zones", () => {
    expect(zonedTimestampToIso(0n, "Mars/Olympus_Mons")).toBe("1970-01-01T00:00:00+00:00");
  });
});
