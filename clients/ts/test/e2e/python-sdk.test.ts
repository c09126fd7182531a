import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, run } from "../../../../test/harness/processes.js";
import { spawnServers, type SpawnedServers } from "./spawned-servers.js";

// Debian's python3-grpcio installs for /usr/bin/python3; a pyenv or venv python3 first on the PATH
// may not see it, so each candidate is asked to import grpc.
async function pythonWithGrpc(): Promise<string | undefined> {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const probe = await run(candidate, ["-c", "import grpc, google.protobuf"]).catch(() => undefined);
    if (probe?.code === 0) return candidate;
  }
  return undefined;
}

const python = await pythonWithGrpc();
if (python === undefined) {
  console.warn(
    "python SDK test skipped: no python3 can import grpc and google.protobuf " +
      "(apt-get install python3-grpcio python3-protobuf; .ci/run installs them)",
  );
}

describe.skipIf(python === undefined)("Python SDK (clients/python) against spawned servers", () => {
  let servers: SpawnedServers;

  beforeAll(async () => {
    servers = await spawnServers();
  });

  afterAll(async () => {
    await servers?.stop();
  });

  it("passes its unittest suite against a live FeatureServer and RegistryServer", async () => {
    const result = await run(python!, ["-m", "unittest", "-v"], {
      cwd: join(REPO_ROOT, "clients/python"),
      env: {
        LARDER_TARGET: servers.target,
        LARDER_REGISTRY_TARGET: servers.registryTarget,
        LARDER_PROJECT: servers.project,
        PYTHONDONTWRITEBYTECODE: "1",
      },
    });
    const report = `${result.stdout}\n${result.stderr}`;
    expect(result.code, report).toBe(0);
    expect(report).toMatch(/Ran 7 tests/);
    expect(report).not.toMatch(/skipped/);
  });
});
