// Closed-loop HTTP/1.1 load when wrk is absent: `concurrency` loops over keep-alive connections POST the
// same JSON body for `seconds`. Prints one JSON line (HttpLoadResult); bounded in time.
//
//   http-load-client.ts <url> <body file> <concurrency> <seconds>
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { HttpLoadResult } from "./stats.js";

const [url, bodyFile, concurrencyArg, secondsArg] = process.argv.slice(2);
if (url === undefined || bodyFile === undefined || secondsArg === undefined) {
  console.error("usage: http-load-client.ts <url> <body file> <concurrency> <seconds>");
  process.exit(2);
}
const target = new URL(url);
const body = readFileSync(bodyFile);
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let requests = 0;
let errors = 0;
let firstError: string | undefined;

function post(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        res.resume();
        res.once("end", () => {
          if (res.statusCode === 200) {
            requests++;
          } else {
            errors++;
            firstError ??= `HTTP ${res.statusCode ?? 0}`;
          }
          resolve();
        });
      },
    );
    req.once("error", (error) => {
      errors++;
      firstError ??= error.message;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
const endAt = started + Number(secondsArg) * 1000;
async function loop(): Promise<void> {
  while (performance.now() < endAt && errors < 100) await post();
}
await Promise.all(Array.from({ length: concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
const result: HttpLoadResult = { requests, errors, firstError, seconds: elapsed, rps: requests / elapsed };
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
