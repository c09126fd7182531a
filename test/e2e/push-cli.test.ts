import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { larder } from "../harness/larder-cli.js";

describe("larder push", () => {
  it("pushes a CSV online and offline, once, and a historical query sees the row", async () => {
    const root = mkdtempSync(join(tmpdir(), "larder-push-"));
    expect((await larder(["init", "demo"], { cwd: root })).code).toBe(0);
    const repo = join(root, "demo");
    expect((await larder(["apply"], { cwd: repo })).code).toBe(0);
    // Half an hour after the newest generated row, so the pushed row is the latest at that time.
    const at = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 30 * 60_000).toISOString();
    writeFileSync(
      join(repo, "rows.csv"),
      `driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips\n1001,${at},${at},0.99,0.5,7\n`,
    );
    const first = await larder(
      ["push", "driver_stats_push_source", "--file", "rows.csv", "--to", "online_and_offline"],
      { cwd: repo },
    );
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("driver_hourly_stats_fresh: 1 rows");
    const again = await larder(
      ["push", "driver_stats_push_source", "--file", "rows.csv", "--to", "online_and_offline"],
      { cwd: repo },
    );
    expect(again.stdout).toContain("driver_hourly_stats_fresh: 0 rows"); // same event time: nothing moves

    writeFileSync(join(repo, "entities.csv"), `driver_id,event_timestamp\n1001,${at}\n`);
    const historical = await larder(
      [
        "get-historical-features",
        "--entities",
        "entities.csv",
        "--features",
        "driver_hourly_stats:conv_rate",
        "--output",
        "out.csv",
      ],
      { cwd: repo },
    );
    expect(historical.code).toBe(0);
    const lines = readFileSync(join(repo, "out.csv"), "utf8").trim().split(/\r?\n/);
    expect(lines).toHaveLength(2); // the row was appended once, and it is the one seen at that time
    expect(lines[1]).toMatch(/,0\.99\d*$/);

    const unknown = await larder(["push", "nope", "--file", "rows.csv"], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("nope");
  });
});
