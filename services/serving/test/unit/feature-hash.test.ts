import { describe, expect, it } from "vitest";
import { feastFeatureField, feastTimestampField, murmur3 } from "../../src/online-store/feature-hash.js";

describe("feastFeatureField", () => {
  it("matches Feast's murmur3 test vectors (§5h)", () => {
    expect(feastFeatureField("feature_view_1", "feature_10").toString("hex")).toBe("266d5f39");
    expect(feastFeatureField("feature_view_1", "feature_10").toString("latin1")).toBe("&m_9");
    expect(feastFeatureField("feature_view_1", "feature_11").toString("hex")).toBe("c3379abf");
    expect(feastFeatureField("feature_view_1", "feature_12").toString("hex")).toBe("7772b564");
  });

  it("hashes to unsigned 32-bit numbers and names the timestamp field", () => {
    expect(murmur3("feature_view_1:feature_11")).toBe(0xbf9a37c3);
    expect(feastTimestampField("driver_hourly").toString()).toBe("_ts:driver_hourly");
  });
});
