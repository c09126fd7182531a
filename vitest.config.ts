import { defineConfig } from "vitest/config";

// Three layers, as in connect-es and ioredis: unit (in memory), integration (real sockets, Redis,
// PostgreSQL), e2e (spawned processes). Integration and e2e share the machine's two cores, so they
// run files one at a time to keep timings and ports stable.
export default defineConfig({
  test: {
    globalSetup: ["test/harness/global-setup.ts"],
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".vitest-report.json" }]] : ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/test/unit/**/*.test.ts", "test/unit/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/test/integration/**/*.test.ts", "test/integration/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["**/test/e2e/**/*.test.ts", "test/e2e/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
