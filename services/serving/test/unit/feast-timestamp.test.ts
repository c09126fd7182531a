import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFeastTimestamp, encodeFeastTimestamp, splitEventTime } from "../../src/online-store/feast-timestamp.js";

describe("Feast _ts timestamp codec", () => {
  it("encodes exactly as protobuf-es does, and decodes protobuf-es bytes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_000 }),
        fc.nat({ max: 999 }),
        (ms, us) => {
          const time = ms + us / 1000;
          const { seconds, nanos } = splitEventTime(time);
          const reference = toBinary(TimestampSchema, create(TimestampSchema, { seconds: BigInt(seconds), nanos }));
          expect(Buffer.from(encodeFeastTimestamp(time)).toString("hex")).toBe(Buffer.from(reference).toString("hex"));
          const decoded = fromBinary(TimestampSchema, encodeFeastTimestamp(time));
          expect(decoded.seconds).toBe(BigInt(seconds));
          expect(decodeFeastTimestamp(reference)).toBeCloseTo(seconds * 1000 + nanos / 1e6, 6);
        },
      ),
    );
  });

  it("splits milliseconds into seconds and microsecond-rounded nanos", () => {
    expect(splitEventTime(1_700_000_000_123.456)).toEqual({ seconds: 1_700_000_000, nanos: 123_456_000 });
    expect(splitEventTime(-1)).toEqual({ seconds: -1, nanos: 999_000_000 });
    expect(decodeFeastTimestamp(new Uint8Array(0))).toBe(0);
  });

  it("never crashes on random bytes: it returns a number or throws RangeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        try {
          expect(typeof decodeFeastTimestamp(bytes)).toBe("number");
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
      }),
    );
  });
});
