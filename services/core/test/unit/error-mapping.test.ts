import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  InvalidArgumentError,
  NotFoundError,
  codeName,
  httpStatusFromCode,
  toConnectError,
} from "../../src/index.js";

describe("toConnectError", () => {
  it("keeps the code and message of domain errors", () => {
    const mapped = toConnectError(new NotFoundError('Feature view "x" does not exist'));
    expect(mapped.code).toBe(Code.NotFound);
    expect(mapped.rawMessage).toBe('Feature view "x" does not exist');
    expect(toConnectError(new AbortedError("stale")).code).toBe(Code.Aborted);
  });

  it("maps connection refusals to UNAVAILABLE and unique violations to ALREADY_EXISTS", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
    const mapped = toConnectError(refused);
    expect(mapped.code).toBe(Code.Unavailable);
    expect(mapped.rawMessage).not.toContain("6379");
    const unique = Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: "23505" });
    expect(toConnectError(unique).code).toBe(Code.AlreadyExists);
  });

  it("answers INTERNAL with a generic message for anything unmapped, and reports it", () => {
    const reported: unknown[] = [];
    const secret = new Error("SELECT * FROM secrets failed at /srv/app.ts:12");
    const mapped = toConnectError(secret, (e) => reported.push(e));
    expect(mapped.code).toBe(Code.Internal);
    expect(mapped.rawMessage).toBe("Internal error");
    expect(reported).toEqual([secret]);
  });

  it("passes ConnectErrors through", () => {
    const original = new ConnectError("nope", Code.PermissionDenied);
    expect(toConnectError(original)).toBe(original);
  });
});

describe("httpStatusFromCode", () => {
  it("uses the statuses clients expect", () => {
    expect(httpStatusFromCode(new InvalidArgumentError("x").code)).toBe(400);
    expect(httpStatusFromCode(Code.NotFound)).toBe(404);
    expect(httpStatusFromCode(Code.Unauthenticated)).toBe(401);
    expect(httpStatusFromCode(Code.PermissionDenied)).toBe(403);
    expect(httpStatusFromCode(Code.ResourceExhausted)).toBe(429);
    expect(httpStatusFromCode(Code.Unavailable)).toBe(503);
    expect(httpStatusFromCode(Code.Internal)).toBe(500);
  });

  it("names codes as Connect writes them", () => {
    expect(codeName(Code.NotFound)).toBe("not_found");
    expect(codeName(Code.ResourceExhausted)).toBe("resource_exhausted");
  });
});
