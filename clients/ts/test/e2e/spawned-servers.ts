import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { larder, spawnLarder } from "../../../../test/harness/larder-cli.js";
import { freePort } from "../../../../test/harness/ports.js";
import type { SpawnedProcess } from "../../../../test/harness/processes.js";

/** `larder serve` and `larder serve-registry`, spawned on the example repo after init, apply and materialize. */
export interface SpawnedServers {
  readonly project: string;
  readonly target: string;
  readonly registryTarget: string;
  stop(): Promise<void>;
}

async function must(args: readonly string[]): Promise<void> {
  const result = await larder(args);
  if (result.code !== 0) throw new Error(`larder ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
}

export async function spawnServers(): Promise<SpawnedServers> {
  const root = await mkdtemp(join(tmpdir(), "larder-sdk-e2e-"));
  const repo = join(root, "driver_ranking");
  const end = new Date();
  await must(["init", repo]);
  await must(["-c", repo, "apply"]);
  await must(["-c", repo, "materialize", new Date(end.getTime() - 8 * 86_400_000).toISOString(), end.toISOString()]);
  const [port, registryPort] = [await freePort(), await freePort()];
  const processes: SpawnedProcess[] = [
    spawnLarder(["-c", repo, "serve", "--port", String(port)]),
    spawnLarder(["-c", repo, "serve-registry", "--port", String(registryPort)]),
  ];
  try {
    await processes[0]!.waitFor(/Feature server listening/, 60_000);
    await processes[1]!.waitFor(/Registry server listening/, 60_000);
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    throw error;
  }
  return {
    project: "driver_ranking",
    target: `127.0.0.1:${port}`,
    registryTarget: `127.0.0.1:${registryPort}`,
    async stop() {
      await Promise.all(processes.map((p) => p.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
