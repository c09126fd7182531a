import { describe, expect, it } from "vitest";
import { HealthRegistry, ServingStatus } from "../../src/index.js";

describe("HealthRegistry", () => {
  it("starts NOT_SERVING, tells watchers of changes, and stays NOT_SERVING after shutdown", () => {
    const health = new HealthRegistry();
    expect(health.serving).toBe(false);
    const seen: ServingStatus[] = [];
    health.watch("", (s) => seen.push(s));
    health.set("", ServingStatus.SERVING);
    health.set("svc", ServingStatus.SERVING);
    expect(health.serving).toBe(true);
    health.shutdown();
    health.set("", ServingStatus.SERVING);
    expect(health.get("")).toBe(ServingStatus.NOT_SERVING);
    expect(health.get("svc")).toBe(ServingStatus.NOT_SERVING);
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect(health.get("unknown")).toBeUndefined();
  });
});
