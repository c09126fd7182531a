// External load generators, pinned to core 1: h2load (gRPC over HTTP/2) and wrk (HTTP/1.1), with their
// output parsed and checked so a run that answered errors fails loudly instead of looking fast.
import { hasCommand, processCpuMs, runToEnd } from "./bench-process.js";

/** Waits up to `maxWaitMs` for a program to appear on the PATH (it may be installing right now). */
export async function waitForCommand(name: string, maxWaitMs: number): Promise<boolean> {
  const deadline = Date.now() + maxWaitMs;
  let announced = false;
  for (;;) {
    if (hasCommand(name)) return true;
    if (Date.now() >= deadline) return false;
    if (!announced) {
      console.log(`waiting up to ${Math.round(maxWaitMs / 1000)} s for ${name} to be installed…`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

export interface Saturation {
  /** Requests per second over the measured run. */
  readonly rps: number;
  readonly requests: number;
  /** Requests that did not get the expected answer (HTTP error, gRPC error, socket error). */
  readonly failed: number;
  /** What failed, for the report; undefined when nothing did. */
  readonly failure: string | undefined;
  readonly seconds: number;
  /** Mean time per request under saturation, as the load generator saw it. */
  readonly meanMs: number | undefined;
  /** The server process's CPU time (user + system) per request over the measured run. */
  readonly serverCpuUsPerRequest: number | undefined;
  /** The server's CPU time ÷ wall time over the run: below ~0.9 a saturated server was starved of its core. */
  readonly serverCoreShare: number | undefined;
}

/** Measures a server's CPU over `run`, which reports requests and seconds. */
export async function withServerCpu<T extends { requests: number; seconds: number }>(
  serverPid: number | undefined,
  run: () => Promise<T>,
): Promise<T & Pick<Saturation, "serverCpuUsPerRequest" | "serverCoreShare">> {
  const before = serverPid === undefined ? undefined : processCpuMs(serverPid);
  const result = await run();
  const after = serverPid === undefined ? undefined : processCpuMs(serverPid);
  if (before === undefined || after === undefined || result.requests === 0 || result.seconds === 0) {
    return { ...result, serverCpuUsPerRequest: undefined, serverCoreShare: undefined };
  }
  return {
    ...result,
    serverCpuUsPerRequest: ((after - before) * 1000) / result.requests,
    serverCoreShare: (after - before) / 1000 / result.seconds,
  };
}

export interface H2loadTarget {
  readonly port: number;
  readonly path: string;
  /** A file holding the gRPC-framed request message. */
  readonly frameFile: string;
  /** Serialized response message length: every answer must carry exactly this (plus the 5-byte frame). */
  readonly responseBytes: number;
  readonly connections: number;
  /** Concurrent streams per connection. */
  readonly streams: number;
}

function toMs(value: string, unit: string): number {
  const x = Number(value);
  return unit === "us" ? x / 1000 : unit === "ms" ? x : x * 1000;
}

function parseH2load(out: string): {
  rps: number;
  seconds: number;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
  ok2xx: number;
  dataBytes: number;
  meanMs: number | undefined;
} {
  const finished = /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/.exec(out);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  const codes = /status codes: (\d+) 2xx/.exec(out);
  const data = /\((\d+)\) data/.exec(out);
  if (finished === null || requests === null || codes === null || data === null) {
    throw new Error(`could not parse h2load output:\n${out}`);
  }
  const mean = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(out);
  const n = (i: number): number => Number(requests[i]);
  return {
    rps: Number(finished[3]),
    seconds: toMs(finished[1]!, finished[2]!) / 1000,
    total: n(1),
    done: n(3),
    succeeded: n(4),
    failed: n(5),
    errored: n(6),
    timeout: n(7),
    ok2xx: Number(codes[1]),
    dataBytes: Number(data[1]),
    meanMs: mean === null ? undefined : toMs(mean[1]!, mean[2]!),
  };
}

async function h2load(target: H2loadTarget, mode: readonly string[], timeoutMs: number) {
  const args = [
    ...mode,
    "-c",
    String(target.connections),
    "-m",
    String(target.streams),
    "-t",
    "1",
    `--data=${target.frameFile}`,
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
    `http://127.0.0.1:${target.port}${target.path}`,
  ];
  const run = await runToEnd(1, "h2load", args, timeoutMs);
  if (run.code !== 0) throw new Error(`h2load exited with ${String(run.code)}:\n${run.stdout}\n${run.stderr}`);
  return parseH2load(run.stdout);
}

/**
 * Saturation throughput: a 1 s warm-up (also the rate estimate), then `-n` sized for ≈ `seconds`. Every
 * request must succeed with HTTP 200 and carry a full response message: gRPC errors are HTTP 200 with
 * trailers only, so the DATA byte count is what proves each call answered the expected message.
 */
export async function h2loadSaturation(target: H2loadTarget, seconds: number, serverPid?: number): Promise<Saturation> {
  const warm = await h2load(target, ["-D", "1"], 30_000);
  const inFlight = target.connections * target.streams;
  const n = Math.max(10 * inFlight, Math.min(1_000_000, Math.round((warm.rps * seconds) / inFlight) * inFlight));
  const run = await withServerCpu(serverPid, async () => {
    const out = await h2load(target, ["-n", String(n)], Math.max(60_000, seconds * 10_000));
    return { ...out, requests: out.total };
  });
  const frameBytes = 5 + target.responseBytes;
  const withMessage = Math.min(run.ok2xx, Math.floor(run.dataBytes / frameBytes));
  const exact = run.succeeded === run.total && run.ok2xx === run.total && run.dataBytes === run.total * frameBytes;
  const failed = exact ? 0 : Math.max(1, run.total - withMessage);
  return {
    rps: run.rps,
    requests: run.total,
    failed,
    failure: exact
      ? undefined
      : `h2load: ${run.succeeded} of ${run.total} calls succeeded at HTTP level (${run.ok2xx} 2xx), ` +
        `≈ ${withMessage} carried the ${target.responseBytes}-byte response (a gRPC error carries none)`,
    seconds: run.seconds,
    meanMs: run.meanMs,
    serverCpuUsPerRequest: run.serverCpuUsPerRequest,
    serverCoreShare: run.serverCoreShare,
  };
}

/** HTTP/1.1 saturation with wrk (1 thread, `connections` keep-alive connections) and a Lua POST script. */
export async function wrkSaturation(
  url: string,
  luaFile: string,
  connections: number,
  seconds: number,
  serverPid?: number,
): Promise<Saturation> {
  const wrk = async (duration: number) => {
    const args = ["-t1", `-c${connections}`, `-d${duration}s`, "--latency", "-s", luaFile, url];
    const run = await runToEnd(1, "wrk", args, (duration + 30) * 1000);
    if (run.code !== 0) throw new Error(`wrk exited with ${String(run.code)}:\n${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
    const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
    const mean = /Latency\s+([\d.]+)(us|ms|s)/.exec(out);
    if (rps === null || total === null) throw new Error(`could not parse wrk output:\n${out}`);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket === null ? 0 : socket.slice(1).reduce((n, x) => n + Number(x), 0);
    const failed = non2xx + socketErrors;
    return {
      rps: Number(rps[1]),
      requests: Number(total[1]),
      failed,
      failure:
        failed === 0 ? undefined : `wrk: ${non2xx} non-2xx answers, ${socketErrors} socket errors of ${total[1]}`,
      seconds: total[3] === "m" ? Number(total[2]) * 60 : toMs(total[2]!, total[3]!) / 1000,
      meanMs: mean === null ? undefined : toMs(mean[1]!, mean[2]!),
    };
  };
  await wrk(1);
  return withServerCpu(serverPid, () => wrk(seconds));
}
