import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countOfflineRows, postJson, startPushHarness } from "../push-fixture.js";

describe("Offline push batching", () => {
  it("answers 202 while rows are queued and flushes them on graceful shutdown", async () => {
    const h = await startPushHarness(
      `push_batch_${randomBytes(3).toString("hex")}`,
      (repoPath) => ({ type: "sqlite", path: `${repoPath}/data/online.db` }),
      { batchSize: 1000, intervalSeconds: 3600 },
    );
    const res = await postJson(h.base, "/push", {
      push_source_name: "driver_push",
      df: {
        driver_id: [801, 802],
        event_timestamp: ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"],
        conv: [1, 2],
        trips: [1, 2],
        city: ["a", "b"],
      },
      to: "online_and_offline",
    });
    expect(res.status).toBe(202);
    expect(await countOfflineRows(h.repoPath, "driver_id IN (801, 802)").catch(() => 0)).toBe(0);
    await h.close();
    expect(await countOfflineRows(h.repoPath, "driver_id IN (801, 802)")).toBe(2);
  });
});
