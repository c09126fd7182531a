import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { GetServingInfoRequestSchema } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { afterEach, describe, expect, it } from "vitest";
import { spawnNodeScript, type SpawnedProcess } from "../harness/processes.js";

let proc: SpawnedProcess | undefined;
afterEach(async () => {
  await proc?.stop(2_000);
  proc = undefined;
});

function call(client: grpc.Client): Promise<grpc.status> {
  const body = Buffer.from(toBinary(GetServingInfoRequestSchema, create(GetServingInfoRequestSchema)));
  const metadata = new grpc.Metadata();
  metadata.set("x-test-delay-ms", "150");
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/larder.serving.v1.ServingService/GetServingInfo",
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      { deadline: Date.now() + 10_000 },
      (error) => resolve(error === null ? grpc.status.OK : error.code),
    );
  });
}

describe("scaffold server process", () => {
  it("finishes every in-flight call after SIGTERM under 200 req/s and exits 0", async () => {
    proc = spawnNodeScript("test/fixtures/scaffold-server.ts", [], { env: { GRACE_MS: "5000" } });
    const match = await proc.waitFor(/listening on (\d+)/);
    const port = Number(match[1]);
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

    const beforeSignal: Array<Promise<grpc.status>> = [];
    const afterSignal: Array<Promise<grpc.status>> = [];
    let signalled = false;
    // 200 req/s: one call every 5 ms, for 2 s before SIGTERM and 0.5 s after.
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Date.now() - started;
        if (elapsed >= 2_500) {
          clearInterval(timer);
          resolve();
          return;
        }
        if (!signalled && elapsed >= 2_000) {
          signalled = true;
          proc?.signal("SIGTERM");
        }
        (signalled ? afterSignal : beforeSignal).push(call(client));
      }, 5);
    });
    const before = await Promise.all(beforeSignal);
    const after = await Promise.all(afterSignal);
    const exit = await proc.exited;
    client.close();

    expect(before.length).toBeGreaterThan(250);
    expect(before.filter((code) => code !== grpc.status.OK)).toEqual([]);
    // Calls started after SIGTERM either made it in before the listener closed or were refused
    // cleanly as UNAVAILABLE; none may hang or fail with another code.
    expect(after.filter((code) => code !== grpc.status.OK && code !== grpc.status.UNAVAILABLE)).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
