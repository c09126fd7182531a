import { Buffer } from "node:buffer";
import { InvalidArgumentError } from "../errors.js";
import { describeInput } from "./describe-input.js";

/** Converts one non-null element; `type` names the collection type in messages. */
export type ElementConverter<T> = (input: unknown, where: string, type: string) => T;

/** The elements of a JSON array converted one by one; null elements are rejected with their index. */
export function coerceArray<T>(input: unknown, where: string, type: string, convert: ElementConverter<T>): T[] {
  if (!Array.isArray(input)) {
    throw new InvalidArgumentError(`${where}: expected an array for ${type}, got ${describeInput(input)}`);
  }
  return input.map((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (item === null || item === undefined) throw new InvalidArgumentError(`${at}: null is not allowed in ${type}`);
    return convert(item, at, type);
  });
}

/** Like coerceArray, keeping the first of equal elements (a set's members, in input order). */
export function coerceSet<T>(input: unknown, where: string, type: string, convert: ElementConverter<T>): T[] {
  const seen = new Set<string>();
  return coerceArray(input, where, type, convert).filter((item) => {
    const key = setKey(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function setKey(item: unknown): string {
  if (item instanceof Uint8Array) return `b:${Buffer.from(item).toString("base64")}`;
  return `${typeof item}:${String(item)}`;
}
