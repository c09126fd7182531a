import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, run } from "../../../../test/harness/processes.js";
import { startLiveServers, type LiveServers } from "../live-servers.js";

interface Snippet {
  readonly index: number;
  readonly code: string;
  readonly runs: boolean;
}

/** The README's ```ts blocks; an info string containing `no-run` is type-checked but not run. */
async function readmeSnippets(): Promise<Snippet[]> {
  const readme = await readFile(join(REPO_ROOT, "clients/ts/README.md"), "utf8");
  return [...readme.matchAll(/^```ts([^\n]*)\n([\s\S]*?)^```$/gm)].map((match, index) => ({
    index,
    code: match[2]!,
    runs: !match[1]!.includes("no-run"),
  }));
}

describe("clients/ts/README.md snippets", () => {
  let live: LiveServers;
  let dir = "";
  let snippets: Snippet[] = [];

  beforeAll(async () => {
    live = await startLiveServers();
    snippets = await readmeSnippets();
    // A folder outside the repo that resolves @larder/sdk and tsx through a node_modules link, as an app would.
    dir = await mkdtemp(join(tmpdir(), "larder-readme-"));
    await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: join(REPO_ROOT, "tsconfig.json"), include: ["*.ts"] }),
    );
    for (const snippet of snippets) {
      const code = snippet.code
        .replaceAll("127.0.0.1:6566", live.target)
        .replaceAll("127.0.0.1:6570", live.registryTarget);
      await writeFile(join(dir, `snippet-${snippet.index}.ts`), code);
    }
  }, 90_000);

  afterAll(async () => {
    await live?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("has snippets to check", () => {
    expect(snippets.filter((s) => s.runs).length).toBeGreaterThanOrEqual(5);
  });

  it("type-checks every snippet under the repo's strict tsconfig", { timeout: 180_000 }, async () => {
    const result = await run(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", dir], {
      cwd: dir,
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it(
    "runs every snippet, in order, against a live FeatureServer and RegistryServer",
    { timeout: 180_000 },
    async () => {
      const outputs: string[] = [];
      for (const snippet of snippets.filter((s) => s.runs)) {
        const result = await run(process.execPath, ["--import", "tsx", `snippet-${snippet.index}.ts`], { cwd: dir });
        expect(result.code, `snippet ${snippet.index}:\n${snippet.code}\n${result.stdout}\n${result.stderr}`).toBe(0);
        outputs.push(result.stdout);
      }
      const all = outputs.join("\n");
      // What the README's comments promise.
      expect(all).toContain("driver_hourly_stats: 5 rows");
      expect(all).toContain("[ 'PRESENT', 'PRESENT', 'NOT_FOUND' ]");
      expect(all).toContain("featureViews: [ 'driver_hourly_stats_fresh' ]");
      expect(all).toMatch(/^50n$/m);
      expect(all).toContain("[ 'driver_hourly_stats', 'driver_hourly_stats_fresh' ]");
      expect(all).toContain("[ 'conv_rate', 'acc_rate', 'avg_daily_trips' ]");
      expect(all).toMatch(/^NOT_FOUND /m);
      expect(all).toMatch(/^INVALID_ARGUMENT$/m);
    },
  );
});
