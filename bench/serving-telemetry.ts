// The telemetry overhead benchmark (`npm run bench -- serving-telemetry`): the same FeatureServer,
// pinned to core 0 with h2load/wrk on core 1 and Redis on loopback, run with telemetry off, with
// Prometheus metrics, with metrics + tracing sampled at 1 %, with metrics + OpenTelemetry tracing of every
// call (exported over OTLP/HTTP to a loopback sink), and with all that plus the audit log. Each round runs
// every mode (in a rotating order); the report compares each mode with telemetry off in the same round and
// quotes the median over rounds, so load from other processes that drifts between rounds cancels out.
import * as http from "node:http";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { FeatureStore } from "@larder/sdk";
import { createOnlineStore, serializeEntityKey, type OnlineStore, type OnlineWriteRow } from "@larder/serving";
import { killAllNow, nodeScript, pinningAvailable, startServer, stopAll } from "./bench-process.js";
import { h2loadSaturation, waitForCommand, wrkSaturation, type Saturation } from "./load-generators.js";
import {
  ENTITY_COUNT,
  GRPC_PATH,
  JOIN_KEY,
  REST_PATH,
  SHAPES,
  benchConfig,
  benchDefinitions,
  featureValue,
  grpcFrame,
  grpcRequest,
  int64Value,
  onlineView,
  restBody,
  type Shape,
} from "./serving-repo.js";

const ALL_MODES = ["off", "metrics", "sampled", "tracing", "audit"] as const;
type Mode = (typeof ALL_MODES)[number];
/** `LARDER_BENCH_TELEMETRY_MODES=off,metrics` runs a subset (`off` is always kept: the reference). */
const MODES: readonly Mode[] = ALL_MODES.filter(
  (m) => m === "off" || (process.env.LARDER_BENCH_TELEMETRY_MODES ?? ALL_MODES.join(",")).split(",").includes(m),
);
const ROUNDS = 5;
const SECONDS = 2;
const REST_CONNECTIONS = 64;
const MEASURED = ["1×50"];

interface Row {
  readonly round: number;
  readonly mode: Mode;
  readonly what: string;
  readonly sat: Saturation;
}

async function writeRows(online: OnlineStore, project: string): Promise<void> {
  const view = onlineView(project, 50);
  const rows: OnlineWriteRow[] = [];
  for (let id = 1; id <= ENTITY_COUNT; id++) {
    rows.push({
      entityKey: serializeEntityKey([JOIN_KEY], [int64Value(id)]),
      eventTimeMs: Date.now() - 60_000,
      values: Array.from({ length: 50 }, (_, i) => featureValue(id, i)),
    });
  }
  await online.write(view, rows);
}

/** The response length of one real call (h2load checks every answer against it). */
async function responseBytes(port: number, request: Uint8Array): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        GRPC_PATH,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 5_000 },
        (error, r) => (error !== null ? reject(error) : resolve(r ?? Buffer.alloc(0))),
      ),
    );
    return reply.length;
  } finally {
    client.close();
  }
}

/** A loopback OTLP/HTTP endpoint that accepts and counts span exports (the collector is not under test). */
async function otlpSink(): Promise<{ url: string; exports: () => number; close(): Promise<void> }> {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function measureMode(
  round: number,
  mode: Mode,
  project: string,
  repoPath: string,
  work: string,
  otlpUrl: string,
  wrk: boolean,
): Promise<Row[]> {
  const server = await startServer(
    0,
    process.execPath,
    nodeScript("bench/serving-telemetry-server.ts", [project, repoPath, mode, otlpUrl]),
  );
  const rows: Row[] = [];
  try {
    for (const shape of SHAPES.filter((s: Shape) => MEASURED.includes(s.name))) {
      const request = grpcRequest(shape);
      const frameFile = join(work, `${shape.entities}x${shape.features}.frame.bin`);
      writeFileSync(frameFile, grpcFrame(request));
      const target = {
        port: server.port,
        path: GRPC_PATH,
        frameFile,
        responseBytes: await responseBytes(server.port, request),
        ...shape.larderLoad,
      };
      rows.push({
        round,
        mode,
        what: `gRPC ${shape.name}`,
        sat: await h2loadSaturation(target, SECONDS, server.child.pid),
      });
    }
    const rest = SHAPES.find((s) => s.name === "1×50");
    if (wrk && rest !== undefined) {
      const lua = join(work, "rest.lua");
      writeFileSync(
        lua,
        `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${restBody(rest)}]==]\n`,
      );
      const url = `http://127.0.0.1:${server.port}${REST_PATH}`;
      rows.push({
        round,
        mode,
        what: "REST 1×50",
        sat: await wrkSaturation(url, lua, REST_CONNECTIONS, SECONDS, server.child.pid),
      });
    }
  } finally {
    await server.stop();
  }
  return rows;
}

const fmt = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x)
    ? "—"
    : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function median(values: readonly number[]): number | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Per call and mode: median req/s and server CPU per request, and the median ratio to `off` of the same round. */
function report(rows: readonly Row[]): void {
  const whats = [...new Set(rows.map((r) => r.what))];
  console.log(
    "| call | telemetry | req/s (median) | vs off (median of rounds) | server CPU µs/req (median) | vs off | failed |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const what of whats) {
    const of = (mode: Mode, round: number): Row | undefined =>
      rows.find((r) => r.what === what && r.mode === mode && r.round === round);
    for (const mode of MODES) {
      const mine = rows.filter((r) => r.what === what && r.mode === mode);
      if (mine.length === 0) continue;
      const rpsRatio = median(mine.map((r) => r.sat.rps / (of("off", r.round)?.sat.rps ?? NaN)));
      const cpuRatio = median(
        mine.map((r) => (r.sat.serverCpuUsPerRequest ?? NaN) / (of("off", r.round)?.sat.serverCpuUsPerRequest ?? NaN)),
      );
      const pct = (ratio: number | undefined): string =>
        mode === "off" || ratio === undefined ? "" : `${ratio >= 1 ? "+" : ""}${fmt((ratio - 1) * 100, 1)} %`;
      console.log(
        `| ${what} | ${mode} | ${fmt(median(mine.map((r) => r.sat.rps)))} | ${pct(rpsRatio)} | ` +
          `${fmt(median(mine.map((r) => r.sat.serverCpuUsPerRequest ?? NaN)), 1)} | ${pct(cpuRatio)} | ` +
          `${mine.reduce((n, r) => n + r.sat.failed, 0)} |`,
      );
    }
  }
}

export async function runServingTelemetryBenchmark(): Promise<number> {
  if (!(await waitForCommand("h2load", 0))) {
    console.error("h2load not found. Install it with:  apt-get install nghttp2-client");
    return 1;
  }
  const wrk = await waitForCommand("wrk", 0);
  const project = `bench_tel_${randomBytes(4).toString("hex")}`;
  const repoPath = mkdtempSync(join(tmpdir(), "larder-bench-telemetry-"));
  const work = join(repoPath, "bench");
  mkdirSync(work, { recursive: true });
  const config = benchConfig(project, repoPath);
  const store = await FeatureStore.open({ config, repoPath });
  const online = createOnlineStore(config.onlineStore, { commandTimeoutMs: 10_000 });
  const sink = await otlpSink();
  try {
    await store.apply(benchDefinitions());
    await online.ready();
    await writeRows(online, project);
    console.log(
      `Larder telemetry overhead — node ${process.version}, ${pinningAvailable() ? "server on core 0, load on core 1" : "UNPINNED"}, ` +
        `${ROUNDS} rounds × modes ${MODES.join(", ")}, ${SECONDS} s saturation each, project ${project}`,
    );
    const rows: Row[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // A rotating order, so no mode always runs first or last in a round.
      const order = MODES.map((_, i) => MODES[(i + round - 1) % MODES.length] ?? "off");
      for (const mode of order) {
        const measured = await measureMode(round, mode, project, repoPath, work, sink.url, wrk);
        rows.push(...measured);
        console.log(`round ${round} ${mode}: ${measured.map((r) => `${r.what} ${fmt(r.sat.rps)} req/s`).join(", ")}`);
      }
    }
    console.log("");
    report(rows);
    console.log("");
    console.log(`OTLP exports received by the loopback sink: ${sink.exports()}`);
    return rows.some((r) => r.sat.failed > 0) ? 1 : 0;
  } finally {
    killAllNow();
    await stopAll();
    await online.teardown([onlineView(project, 50)]).catch(() => undefined);
    await online.close().catch(() => undefined);
    await store.teardown().catch(() => undefined);
    await store.close().catch(() => undefined);
    await sink.close();
    rmSync(repoPath, { recursive: true, force: true });
  }
}
