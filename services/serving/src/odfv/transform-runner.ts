import * as vm from "node:vm";
import { FailedPreconditionError } from "@larder/core";

/** Columns in and out of a transform: one array entry per entity row. */
export type Columns = Record<string, unknown[]>;

/**
 * Runs an on-demand view's transform (TypeScript source text stored in the registry, already plain
 * JavaScript once type annotations are stripped by esbuild at apply time or written as JS) in a
 * `node:vm` context with no `require`, `process`, file system or network, and a time limit per call.
 * Only strings cross the boundary (JSON in, JSON out), so no host object leaks into the sandbox.
 */
export class TransformRunner {
  private readonly context: vm.Context;
  private readonly invoke: vm.Script;

  constructor(
    private readonly viewName: string,
    source: string,
    private readonly timeoutMs: number,
  ) {
    this.context = vm.createContext(Object.create(null) as object, {
      name: `on demand feature view ${viewName}`,
      codeGeneration: { strings: false, wasm: false },
    });
    let compiled: vm.Script;
    try {
      // esbuild (tsx) may wrap named functions in __name(fn, "name"); give the sandbox a no-op one.
      compiled = new vm.Script(`"use strict"; globalThis.__name = (f) => f; globalThis.__transform = (${source});`, {
        filename: `${viewName}.transform.js`,
      });
      compiled.runInContext(this.context, { timeout: timeoutMs });
    } catch {
      throw new FailedPreconditionError(`on demand feature view "${viewName}": its transform does not compile`);
    }
    if (vm.runInContext("typeof globalThis.__transform", this.context) !== "function") {
      throw new FailedPreconditionError(`on demand feature view "${viewName}": its transform is not a function`);
    }
    this.invoke = new vm.Script(`JSON.stringify(globalThis.__transform(JSON.parse(globalThis.__input)))`, {
      filename: `${viewName}.invoke.js`,
    });
  }

  /** Runs the transform on `inputs`; a throw, a timeout or a bad result fails this call only. */
  run(inputs: Columns): Columns {
    let text: unknown;
    try {
      (this.context as { __input?: string }).__input = JSON.stringify(inputs, (_k, v: unknown) =>
        typeof v === "bigint" ? Number(v) : v,
      );
      text = this.invoke.runInContext(this.context, { timeout: this.timeoutMs });
    } catch (error) {
      // Errors thrown inside the context belong to its realm: test by shape, not instanceof.
      const timedOut = (error as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT";
      throw new FailedPreconditionError(
        `on demand feature view "${this.viewName}": transform ${timedOut ? `timed out after ${this.timeoutMs} ms` : "threw an error"}`,
      );
    } finally {
      delete (this.context as { __input?: string }).__input;
    }
    const result: unknown = typeof text === "string" ? JSON.parse(text) : undefined;
    if (typeof result !== "object" || result === null || Array.isArray(result)) {
      throw new FailedPreconditionError(
        `on demand feature view "${this.viewName}": transform must return an object of columns`,
      );
    }
    return result as Columns;
  }
}
