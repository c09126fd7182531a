import * as grpc from "@grpc/grpc-js";
import { ServingServiceService } from "@larder/gen/grpc-js/larder/serving/v1/serving_service";
import { FeatureStoreClient, LarderClientError, UnauthenticatedError } from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

async function failure(promise: Promise<unknown>): Promise<LarderClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LarderClientError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("FeatureStoreClient token injection", () => {
  let server: grpc.Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    // A grpc-js server that accepts only "fresh": the client must invalidate a stale token and retry once.
    server = new grpc.Server();
    server.addService(ServingServiceService, {
      getOnlineFeatures: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED }),
      retrieveOnlineDocuments: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED }),
      getServingInfo: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const header = String(call.metadata.get("authorization")[0] ?? "");
        seen.push(header);
        if (header === "Bearer fresh") callback(null, { version: "test" });
        else callback({ code: grpc.status.UNAUTHENTICATED, details: "token expired" });
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it("sends the token, and on UNAUTHENTICATED invalidates it and retries once", async () => {
    let current = "stale";
    let invalidations = 0;
    const tokens = new FeatureStoreClient({
      target: `127.0.0.1:${port}`,
      tokenProvider: {
        token: () => Promise.resolve(current),
        invalidate: () => {
          invalidations++;
          current = "fresh";
        },
      },
    });
    try {
      expect(await tokens.getServingInfo()).toEqual({ version: "test" });
      expect(seen).toEqual(["Bearer stale", "Bearer fresh"]);
      expect(invalidations).toBe(1);
    } finally {
      tokens.close();
    }
  });

  it("gives up with UnauthenticatedError when the fresh token is refused too", async () => {
    seen.length = 0;
    let invalidations = 0;
    const tokens = new FeatureStoreClient({
      target: `127.0.0.1:${port}`,
      tokenProvider: { token: () => Promise.resolve("revoked"), invalidate: () => void invalidations++ },
    });
    try {
      const error = await failure(tokens.getServingInfo());
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect(seen).toEqual(["Bearer revoked", "Bearer revoked"]);
      expect(invalidations).toBe(1);
    } finally {
      tokens.close();
    }
  });
});
