// Open-loop load at a fixed offered rate: unary gRPC calls sent on a timer schedule over one grpc-js
// channel, each call's latency measured with process.hrtime from its send. A warm-up second is sent
// first and not recorded. Prints one JSON line (FixedRateResult) and exits; bounded in count and time.
//
//   fixed-rate-client.ts <port> <path> <request file> <expected response bytes> <rate/s> <seconds> [warm-up s]
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { summarize, type FixedRateResult } from "./stats.js";

const [portArg, path, requestFile, expectedArg, rateArg, secondsArg, warmupArg = "1"] = process.argv.slice(2);
if (path === undefined || requestFile === undefined || secondsArg === undefined) {
  console.error("usage: fixed-rate-client.ts <port> <path> <request file> <expected bytes> <rate> <seconds> [warm-up]");
  process.exit(2);
}
const callPath = path;
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const warmupCalls = Math.round(rate * Number(warmupArg));
const measuredCalls = Math.round(rate * seconds);
const totalCalls = warmupCalls + measuredCalls;
const expectedBytes = Number(expectedArg);
const request = readFileSync(requestFile);
const identity = (bytes: Buffer): Buffer => bytes;
const CALL_DEADLINE_MS = 5_000;

const client = new grpc.Client(`127.0.0.1:${portArg}`, grpc.credentials.createInsecure());
await new Promise<void>((resolve, reject) =>
  client.waitForReady(Date.now() + 5_000, (error) => (error === undefined ? resolve() : reject(error))),
);

const latencies = new Float64Array(measuredCalls).fill(Number.NaN);
const sendLag = new Float64Array(measuredCalls);
let sent = 0;
let answered = 0;
let ok = 0;
let errors = 0;
let firstError: string | undefined;

function send(index: number, scheduledNs: bigint): void {
  const start = process.hrtime.bigint();
  const measured = index >= warmupCalls;
  if (measured) sendLag[index - warmupCalls] = Number(start - scheduledNs) / 1e6;
  client.makeUnaryRequest(
    callPath,
    identity,
    identity,
    request,
    new grpc.Metadata(),
    { deadline: Date.now() + CALL_DEADLINE_MS },
    (error, reply) => {
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      answered++;
      const why =
        error !== null
          ? error.message
          : reply?.length !== expectedBytes
            ? `response of ${reply?.length ?? 0} bytes, expected ${expectedBytes}`
            : undefined;
      if (why !== undefined) {
        errors++;
        firstError ??= why;
      } else {
        ok++;
      }
      if (measured) latencies[index - warmupCalls] = elapsedMs;
      if (answered === totalCalls) finish();
    },
  );
}

const startNs = process.hrtime.bigint();
const intervalNs = BigInt(Math.round(1e9 / rate));
const tick = (): void => {
  const now = process.hrtime.bigint();
  const due = Math.min(totalCalls, Number((now - startNs) / intervalNs) + 1);
  while (sent < due) {
    send(sent, startNs + BigInt(sent) * intervalNs);
    sent++;
  }
  if (sent < totalCalls) setTimeout(tick, 1);
};

// Hard bound: the schedule plus the call deadline and a margin.
const bound = setTimeout(finish, (totalCalls / rate) * 1000 + CALL_DEADLINE_MS + 2_000);
let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  clearTimeout(bound);
  const result: FixedRateResult = {
    rate,
    seconds,
    sent,
    ok,
    errors,
    unanswered: totalCalls - answered,
    firstError,
    latency: summarize(latencies.filter((x) => !Number.isNaN(x))),
    sendLagP99Ms: summarize(sendLag.subarray(0, Math.max(0, sent - warmupCalls))).p99Ms,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  client.close();
  process.exit(0);
}

tick();
