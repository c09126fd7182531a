import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../harness/ports.js";
import { REPO_ROOT, run, spawnProcess, type SpawnedProcess } from "../harness/processes.js";

let proc: SpawnedProcess | undefined;
afterEach(async () => {
  await proc?.stop(5_000);
  proc = undefined;
});

describe("the README's first command (npm start)", () => {
  it("sets up the example, serves real values to both printed queries within a minute, and stops on Ctrl-C", async () => {
    const port = await freePort();
    const started = Date.now();
    proc = spawnProcess("npm", ["start"], { env: { LARDER_PORT: String(port) } });
    await proc.waitFor(/Ctrl-C stops the server/, 60_000);
    const upMs = Date.now() - started;
    const printed = proc.stdout();

    // The printed curl command, run as printed.
    const curl = /curl -s -X POST (\S+) -H 'content-type: application\/json' \\\n\s+-d '([^']+)'/.exec(printed);
    expect(curl).not.toBeNull();
    const rest = await fetch(curl![1]!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: curl![2]!,
    });
    expect(rest.status).toBe(200);
    const json = (await rest.json()) as {
      metadata: { feature_names: string[] };
      results: Array<{ values: unknown[]; statuses: string[] }>;
    };
    expect(json.metadata.feature_names).toEqual(["driver_id", "conv_rate", "avg_daily_trips"]);
    expect(json.results[1]!.statuses).toEqual(["PRESENT", "PRESENT"]);
    expect(typeof json.results[1]!.values[0]).toBe("number");

    // The printed buf curl command (gRPC), with the same arguments.
    const buf = /npx buf curl (.+) \\\n\s+-d '([^']+)' \\\n\s+(\S+)/.exec(printed);
    expect(buf).not.toBeNull();
    const args = buf![1]!.split(" ");
    const result = await run(join(REPO_ROOT, "node_modules/.bin/buf"), ["curl", ...args, "-d", buf![2]!, buf![3]!], {
      cwd: REPO_ROOT,
    });
    expect(result.stderr).toBe("");
    const grpc = JSON.parse(result.stdout) as {
      metadata: { featureNames: { val: string[] } };
      results: Array<{ statuses: string[] }>;
    };
    expect(grpc.metadata.featureNames.val).toEqual(["driver_id", "conv_rate"]);
    expect(grpc.results[1]!.statuses).toEqual(["FIELD_STATUS_PRESENT"]);

    proc.signalGroup("SIGINT"); // Ctrl-C
    const exit = await proc.exited;
    // npm re-raises the SIGINT it got; the server under it must have stopped cleanly and freed the port.
    expect(exit.code === 0 || exit.signal === "SIGINT").toBe(true);
    expect(proc.stderr()).not.toMatch(/Error|error/);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    console.log(`npm start: serving after ${(upMs / 1000).toFixed(1)} s`);
    expect(upMs).toBeLessThan(60_000);
  });
});
