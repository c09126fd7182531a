import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGoTools, type GoTools } from "../../bench/go-tools.js";
import { startMetronome } from "../../bench/metronome.js";
import type { FixedRateResult } from "../../bench/stats.js";
import { run } from "../harness/processes.js";

const PATH = "/larder.serving.v1.ServingService/GetOnlineFeatures";
const RESPONSE = Buffer.alloc(1_528, 7);
const identity = (bytes: Buffer): Buffer => bytes;

/** A grpc-js server answering fixed bytes, or NOT_FOUND for a request whose first byte is 1. */
async function fixedAnswerServer(): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const method = {
    path: PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  server.addService(
    { GetOnlineFeatures: method },
    {
      GetOnlineFeatures: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        call.request[0] === 1 ? callback({ code: grpc.status.NOT_FOUND }) : callback(null, RESPONSE),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, port };
}

let server: grpc.Server;
let port: number;
const dir = mkdtempSync(join(tmpdir(), "larder-fixed-rate-"));
// The grpc-go client and echo server (bench/go), built as the serving benchmark builds them. CI installs
// Go and Debian's grpc-go; elsewhere without them these tests are skipped and the line below says why.
const goTools: GoTools | { unavailable: string } = buildGoTools(dir);
const go = "unavailable" in goTools ? undefined : goTools;
if (go === undefined) console.warn(`bench grpc-go tools: skipped: ${(goTools as { unavailable: string }).unavailable}`);

beforeAll(async () => {
  ({ server, port } = await fixedAnswerServer());
  writeFileSync(join(dir, "ok.bin"), Buffer.from([0, 1, 2]));
  writeFileSync(join(dir, "not-found.bin"), Buffer.from([1]));
  writeFileSync(join(dir, "response.bin"), RESPONSE);
});

afterAll(() => {
  server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

type Client = "node" | "grpc-go";

async function fixedRate(
  client: Client,
  requestFile: string,
  expectedBytes: number,
  target = port,
): Promise<FixedRateResult> {
  // 200 calls/s for 1 s after a 0.2 s warm-up.
  const args = [String(target), PATH, join(dir, requestFile), String(expectedBytes), "200", "1", "0.2"];
  const out =
    client === "node"
      ? await run(process.execPath, ["--import", "tsx", "bench/fixed-rate-client.ts", ...args])
      : await run(go!.fixedrate, args);
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout.trim().split("\n").pop() ?? "") as FixedRateResult;
}

const clients: Client[] = ["node", "grpc-go"];

describe.each(clients)("bench fixed-rate client (%s)", (client) => {
  // Skipped only for the grpc-go client where Go or Debian's grpc-go is missing (printed above; CI has both).
  const skip = client === "grpc-go" && go === undefined;

  it.skipIf(skip)("sends every scheduled call and measures the ones after the warm-up", async () => {
    const result = await fixedRate(client, "ok.bin", RESPONSE.length);
    expect(result).toMatchObject({ sent: 240, ok: 240, errors: 0, unanswered: 0 });
    expect(result.latency.count).toBe(200);
    expect(result.fromSchedule.count).toBe(200);
    expect(result.fromSchedule.p50Ms).toBeGreaterThanOrEqual(result.latency.p50Ms);
    expect(result.clientCpuUsPerCall).toBeGreaterThan(0);
  });

  it.skipIf(skip)("counts an answer of the wrong size as an error", async () => {
    const result = await fixedRate(client, "ok.bin", RESPONSE.length + 1);
    expect(result.errors).toBe(240);
    // The Node client counts gRPC frame bytes (5 + message), grpc-go message bytes.
    const expected =
      client === "node" ? "response of 1533 bytes, expected 1534" : "response of 1528 bytes, expected 1529";
    expect(result.firstError).toBe(expected);
  });

  it.skipIf(skip)("counts a gRPC error status as an error", async () => {
    const result = await fixedRate(client, "not-found.bin", RESPONSE.length);
    expect(result.errors).toBe(240);
    expect(result.firstError).toMatch(new RegExp(`^grpc-status ${grpc.status.NOT_FOUND}\\b`));
  });
});

describe.skipIf(go === undefined)("bench grpc-go echo server (method floor)", () => {
  it("answers every call with the response file's bytes", async () => {
    const echo = spawn(go!.echo, [join(dir, "response.bin")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const echoPort = await new Promise<number>((resolve, reject) => {
        let out = "";
        echo.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          const match = /PORT (\d+)/.exec(out);
          if (match !== null) resolve(Number(match[1]));
        });
        echo.once("exit", (code) => reject(new Error(`echo exited with ${String(code)}`)));
      });
      const result = await fixedRate("grpc-go", "ok.bin", RESPONSE.length, echoPort);
      expect(result).toMatchObject({ sent: 240, ok: 240, errors: 0, unanswered: 0 });
    } finally {
      echo.kill("SIGKILL");
    }
  });
});

describe("bench metronome", () => {
  it("reports each due send once, on an absolute schedule that does not drift", async () => {
    const dues: number[] = [];
    const lateMs: number[] = [];
    const intervalNs = 2_000_000n;
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const metronome = await startMetronome(intervalNs, 250, (due, startNs) => {
      dues.push(due);
      lateMs.push(Number(process.hrtime.bigint() - (startNs + BigInt(due - 1) * intervalNs)) / 1e6);
      if (due === 250) finished();
    });
    await done;
    await metronome.stop();
    // Running counts, each due send once; a busy loop may get several in one wake-up.
    expect(dues.every((d, i) => i === 0 || d > dues[i - 1]!)).toBe(true);
    expect(dues.at(-1)).toBe(250);
    // The last send is due 498 ms after the start: it fires then, not after 250 accumulated delays.
    const sorted = [...lateMs].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(2);
    expect(lateMs.at(-1)).toBeLessThan(50);
  });
});
