// `npm run bench -- <name>`: runs one benchmark. Each prints its results beside baselines measured in
// the same run (see /work/shared/reference/performance.md, "How Larder measures").
import { runServingBenchmark } from "./serving.js";

const BENCHMARKS: Readonly<Record<string, { readonly description: string; readonly run: () => Promise<number> }>> = {
  serving: {
    description: "FeatureServer gRPC/REST throughput and latency vs grpc-js and Redis baselines",
    run: runServingBenchmark,
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
