import { Code, ConnectError } from "@connectrpc/connect";
import { codeName } from "../error-mapping.js";
import { LarderError } from "../errors.js";

/** The status code a call ended with (OK when `error` is undefined). */
export function codeOf(error: unknown): Code | 0 {
  if (error === undefined) return 0;
  if (error instanceof LarderError || error instanceof ConnectError) return error.code;
  if (error instanceof Error && error.name === "AbortError") return Code.DeadlineExceeded;
  return Code.Internal;
}

const NAMES = new Map<number, string>();

/** `OK`, `NOT_FOUND`, ... as gRPC spells them (cached: a handful of values). */
export function statusName(code: Code | 0): string {
  let name = NAMES.get(code);
  if (name === undefined) {
    name = code === 0 ? "OK" : codeName(code).toUpperCase();
    NAMES.set(code, name);
  }
  return name;
}
