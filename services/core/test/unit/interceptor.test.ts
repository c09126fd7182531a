import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  createConcurrencyLimit,
  ResourceExhaustedError,
  type CallInfo,
  type CallInterceptor,
} from "../../src/index.js";
import { enterAll, exitAll } from "../../src/server/interceptor.js";

const call: CallInfo = {
  service: "s",
  method: "m",
  protocol: "grpc",
  headers: new Headers(),
  signal: new AbortController().signal,
  values: createContextValues(),
};

function recorder(name: string, log: string[], failEnter = false): CallInterceptor {
  return {
    name,
    enter() {
      log.push(`enter ${name}`);
      if (failEnter) throw new Error(`refused by ${name}`);
    },
    exit(_call, error) {
      log.push(`exit ${name}${error === undefined ? "" : " with error"}`);
    },
  };
}

describe("interceptor chain", () => {
  it("enters in order and exits in reverse", async () => {
    const log: string[] = [];
    const chain = [recorder("a", log), recorder("b", log)];
    const entered = await enterAll(chain, call);
    exitAll(chain, entered, call, undefined);
    expect(log).toEqual(["enter a", "enter b", "exit b", "exit a"]);
  });

  it("exits only the interceptors that entered when one refuses", async () => {
    const log: string[] = [];
    const chain = [recorder("a", log), recorder("b", log, true), recorder("c", log)];
    await expect(enterAll(chain, call)).rejects.toThrow("refused by b");
    expect(log).toEqual(["enter a", "enter b", "exit a with error"]);
  });
});

describe("createConcurrencyLimit", () => {
  it("refuses past the limit at once and resolves idle when calls end", async () => {
    const limit = createConcurrencyLimit(2);
    await limit.enter?.(call);
    await limit.enter?.(call);
    expect(() => limit.enter?.(call)).toThrow(ResourceExhaustedError);
    expect(limit.inFlight).toBe(2);
    const idle = limit.idle();
    limit.exit?.(call, undefined);
    limit.exit?.(call, undefined);
    await idle;
    expect(limit.inFlight).toBe(0);
  });
});
