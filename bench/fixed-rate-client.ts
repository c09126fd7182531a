// The fallback fixed-rate client of bench/serving.ts where Go is not installed (bench/go/fixedrate is the
// main one: this client's own event loop and GC still put milliseconds into a p99 on a quiet machine).
// Open-loop load at a fixed offered rate: unary gRPC calls on one HTTP/2 connection, sent on a schedule
// kept by a metronome thread (bench/metronome.ts), each call's latency measured from its send to its
// trailers. The client is raw `node:http2` writing one pre-framed request rather than a grpc-js client,
// whose heavier call path (a channel, call objects and codecs per call) starved itself: its send lag
// reached a 14 ms p99 at 1,000/s on a quiet machine, counted as server latency. Its CPU per call is
// reported (clientCpuUsPerCall) so a run shows whether the client had headroom. h2load's rate modes
// do not fit either: `--rps` sends in clumps of ~10 every 10 ms and `--timing-script-file` drifts to ≈ 750/s
// at 1,000/s. A warm-up second is sent first and not recorded. Prints one JSON line (FixedRateResult).
//
//   fixed-rate-client.ts <port> <path> <request file> <expected response bytes> <rate/s> <seconds> [warm-up s]
import * as http2 from "node:http2";
import { readFileSync } from "node:fs";
import { startMetronome } from "./metronome.js";
import { summarize, type FixedRateResult } from "./stats.js";

const [portArg, path, requestFile, expectedArg, rateArg, secondsArg, warmupArg = "1"] = process.argv.slice(2);
if (path === undefined || requestFile === undefined || secondsArg === undefined) {
  console.error("usage: fixed-rate-client.ts <port> <path> <request file> <expected bytes> <rate> <seconds> [warm-up]");
  process.exit(2);
}
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const warmupCalls = Math.round(rate * Number(warmupArg));
const measuredCalls = Math.round(rate * seconds);
const totalCalls = warmupCalls + measuredCalls;
/** One gRPC message frame: flag, u32 length, the response message. */
const expectedDataBytes = 5 + Number(expectedArg);
const request = readFileSync(requestFile);
const frame = Buffer.alloc(5 + request.length);
frame.writeUInt32BE(request.length, 1);
request.copy(frame, 5);
const CALL_DEADLINE_MS = 5_000;
/** As h2load's default (-w 30 / -W 30): a 100 KB answer never waits for a WINDOW_UPDATE round trip. */
const WINDOW_BYTES = 2 ** 30 - 1;
const HEADERS = {
  [http2.constants.HTTP2_HEADER_METHOD]: "POST",
  [http2.constants.HTTP2_HEADER_PATH]: path,
  "content-type": "application/grpc",
  te: "trailers",
};

const latencies = new Float64Array(measuredCalls).fill(Number.NaN);
const fromSchedule = new Float64Array(measuredCalls).fill(Number.NaN);
const sendLag = new Float64Array(measuredCalls);
let sent = 0;
let answered = 0;
let ok = 0;
let errors = 0;
let firstError: string | undefined;
let finished = false;

const session = http2.connect(`http://127.0.0.1:${portArg}`, { settings: { initialWindowSize: WINDOW_BYTES } });
await new Promise<void>((resolve, reject) => {
  session.once("connect", () => resolve());
  session.once("error", reject);
}).catch((error: unknown) => {
  console.error(`cannot connect to 127.0.0.1:${portArg}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
session.setLocalWindowSize(WINDOW_BYTES);

function answer(index: number, scheduledNs: bigint, sentNs: bigint, why: string | undefined): void {
  const now = process.hrtime.bigint();
  answered++;
  if (why !== undefined) {
    errors++;
    firstError ??= why;
  } else {
    ok++;
  }
  if (index >= warmupCalls) {
    latencies[index - warmupCalls] = Number(now - sentNs) / 1e6;
    fromSchedule[index - warmupCalls] = Number(now - scheduledNs) / 1e6;
  }
  if (answered === totalCalls) finish();
}

function send(index: number, scheduledNs: bigint): void {
  const sentNs = process.hrtime.bigint();
  if (index >= warmupCalls) sendLag[index - warmupCalls] = Number(sentNs - scheduledNs) / 1e6;
  const stream = session.request(HEADERS, { endStream: false });
  let bytes = 0;
  let grpcStatus: string | undefined;
  let done = false;
  const settle = (why: string | undefined): void => {
    if (done) return;
    done = true;
    answer(index, scheduledNs, sentNs, why);
  };
  stream.on("response", (headers) => {
    // A trailers-only answer (every gRPC error) carries grpc-status in the response headers.
    const status = headers["grpc-status"];
    if (typeof status === "string") grpcStatus = status;
  });
  stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
  stream.on("trailers", (trailers: http2.IncomingHttpHeaders) => {
    const status = trailers["grpc-status"];
    if (typeof status === "string") grpcStatus = status;
  });
  stream.on("error", (error: Error) => settle(`stream: ${error.message}`));
  stream.on("close", () => {
    if (grpcStatus !== "0") settle(`grpc-status ${grpcStatus ?? "missing"}`);
    else if (bytes !== expectedDataBytes) settle(`response of ${bytes} bytes, expected ${expectedDataBytes}`);
    else settle(undefined);
  });
  stream.end(frame);
}

const intervalNs = BigInt(Math.round(1e9 / rate));
const cpuAtStart = process.cpuUsage();
const metronome = await startMetronome(intervalNs, totalCalls, (due, startNs) => {
  while (sent < due) {
    send(sent, startNs + BigInt(sent) * intervalNs);
    sent++;
  }
});

// Hard bound: the schedule plus the call deadline and a margin.
const bound = setTimeout(() => finish(), (totalCalls / rate) * 1000 + CALL_DEADLINE_MS + 2_000);
session.on("error", (error: Error) => fail(`connection: ${error.message}`));
const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;
function fail(why: string): void {
  firstError ??= why;
  finish();
}
function finish(): void {
  if (finished) return;
  finished = true;
  clearTimeout(bound);
  const measuredSent = Math.max(0, sent - warmupCalls);
  const result: FixedRateResult = {
    rate,
    seconds,
    sent,
    ok,
    errors,
    unanswered: totalCalls - answered,
    firstError,
    latency: summarize(latencies.filter((x) => !Number.isNaN(x))),
    fromSchedule: summarize(fromSchedule.filter((x) => !Number.isNaN(x))),
    sendLagP99Ms: summarize(sendLag.subarray(0, measuredSent)).p99Ms,
    sendLagMaxMs: summarize(sendLag.subarray(0, measuredSent)).maxMs,
    clientCpuUsPerCall: Math.round(cpuMicros(process.cpuUsage(cpuAtStart)) / Math.max(1, sent)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  void metronome.stop();
  session.destroy();
  process.exit(0);
}
