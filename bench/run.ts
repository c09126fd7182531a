// `npm run bench -- <name>`: runs one benchmark. Each prints its results beside baselines measured in
// the same run (see /work/shared/reference/performance.md, "How Larder measures").
import { runHistoricalBenchmark } from "./historical.js";
import { runHistoricalPostgresBenchmark } from "./historical-postgres.js";
import { runMaterializeBenchmark } from "./materialize.js";
import { runMaterializeBullmqBenchmark } from "./materialize-bullmq.js";
import { runPushBenchmark } from "./push.js";
import { runServingBenchmark } from "./serving.js";
import { runServingTelemetryBenchmark } from "./serving-telemetry.js";

const BENCHMARKS: Readonly<Record<string, { readonly description: string; readonly run: () => Promise<number> }>> = {
  serving: {
    description: "FeatureServer gRPC/REST throughput and latency vs grpc-js and Redis baselines",
    run: runServingBenchmark,
  },
  "serving-telemetry": {
    description: "FeatureServer throughput with telemetry off, metrics, tracing (1 % sampled, all), + audit log",
    run: runServingTelemetryBenchmark,
  },
  materialize: {
    description: "local-engine materialization rows/s (Parquet → Redis, SQLite) vs raw DuckDB reads and raw writes",
    run: runMaterializeBenchmark,
  },
  "materialize-bullmq": {
    description:
      "bullmq-engine materialization rows/s with 1 and 2 `larder worker`s vs the local engine and raw writes",
    run: runMaterializeBullmqBenchmark,
  },
  push: {
    description: "gRPC push rows/s in batches of 1 and 100 into Redis vs raw pipelined Redis writes",
    run: runPushBenchmark,
  },
  historical: {
    description: "point-in-time training data through DuckDB vs the hand-written DuckDB ASOF query",
    run: runHistoricalBenchmark,
  },
  "historical-postgres": {
    description: "point-in-time training data on the PostgreSQL offline store vs a hand-written DISTINCT ON query",
    run: runHistoricalPostgresBenchmark,
  },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`);
  return ["usage: npm run bench -- <benchmark>", "", "benchmarks:", ...names].join("\n");
}

const name = process.argv[2];
const benchmark = name === undefined ? undefined : BENCHMARKS[name];
if (benchmark === undefined) {
  console.error(name === undefined ? usage() : `unknown benchmark ${JSON.stringify(name)}\n\n${usage()}`);
  process.exitCode = 1;
} else {
  try {
    process.exitCode = await benchmark.run();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
}
