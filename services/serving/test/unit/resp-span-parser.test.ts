import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RespProtocolError, RespSpanParser, type RespReply } from "../../src/online-store/resp-span-parser.js";
import { ByteSlab } from "../../src/online-store/slabs.js";

/** A reply as a test describes it: bulk values (null = nil), or a line reply. */
type Model =
  | { readonly kind: "array"; readonly values: (Uint8Array | null)[] }
  | { readonly kind: "bulk"; readonly value: Uint8Array | null }
  | { readonly kind: "nilArray" }
  | { readonly kind: "simple"; readonly text: string }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "integer"; readonly value: number };

const bulk = (value: Uint8Array | null): Buffer =>
  value === null
    ? Buffer.from("$-1\r\n")
    : Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, Buffer.from("\r\n")]);

function encode(model: Model): Buffer {
  switch (model.kind) {
    case "array":
      return Buffer.concat([Buffer.from(`*${model.values.length}\r\n`), ...model.values.map(bulk)]);
    case "bulk":
      return bulk(model.value);
    case "nilArray":
      return Buffer.from("*-1\r\n");
    case "simple":
      return Buffer.from(`+${model.text}\r\n`);
    case "error":
      return Buffer.from(`-${model.message}\r\n`);
    case "integer":
      return Buffer.from(`:${model.value}\r\n`);
  }
}

/** What the parser should hand over for a model, in the form `view` gives. */
function expected(model: Model): unknown {
  switch (model.kind) {
    case "array":
      return { kind: "spans", values: model.values.map((v) => (v === null ? null : [...v])) };
    case "bulk":
      return { kind: "spans", values: [model.value === null ? null : [...model.value]] };
    case "nilArray":
      return { kind: "spans", values: [] };
    case "simple":
    case "error":
    case "integer":
      return model;
  }
}

/** A parsed reply with its spans resolved to byte arrays (and nothing read outside the buffer). */
function view(reply: RespReply): unknown {
  if (reply.kind !== "spans") return reply;
  const values: (number[] | null)[] = [];
  for (let i = 0; i < reply.spans.length; i += 2) {
    const start = reply.spans[i]!;
    const end = reply.spans[i + 1]!;
    if (start < 0) values.push(null);
    else {
      expect(end).toBeLessThanOrEqual(reply.buffer.length);
      values.push([...reply.buffer.subarray(start, end)]);
    }
  }
  return { kind: "spans", values };
}

function parseChunks(chunks: readonly Buffer[]): unknown[] {
  const replies: unknown[] = [];
  const parser = new RespSpanParser((reply) => replies.push(view(reply)));
  for (const chunk of chunks) parser.feed(chunk);
  return replies;
}

/**
 * As parseChunks, but as a socket with one read buffer feeds it: every chunk is copied into the same
 * buffer, which is scribbled over after each feed, and the replies are only looked at after the last.
 */
function parseBorrowed(chunks: readonly Buffer[]): unknown[] {
  const replies: RespReply[] = [];
  const parser = new RespSpanParser((reply) => replies.push(reply), new ByteSlab());
  const readBuffer = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    chunk.copy(readBuffer);
    parser.feed(readBuffer.subarray(0, chunk.length));
    readBuffer.fill(0x2a);
  }
  return replies.map(view);
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, within bounds). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

// Values include CR, LF and "$" bytes: the parser must skip payloads by length, never scan them.
const value = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(Buffer.from("\r\n"), Buffer.from("$-1\r\n*2\r\n"), Buffer.alloc(0)),
);
const line = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, " "));
const model: fc.Arbitrary<Model> = fc.oneof(
  { weight: 4, arbitrary: fc.array(value, { maxLength: 12 }).map((values) => ({ kind: "array" as const, values })) },
  { weight: 1, arbitrary: value.map((v) => ({ kind: "bulk" as const, value: v })) },
  { weight: 1, arbitrary: fc.constant({ kind: "nilArray" as const }) },
  { weight: 1, arbitrary: line.map((text) => ({ kind: "simple" as const, text })) },
  { weight: 1, arbitrary: line.map((message) => ({ kind: "error" as const, message: `ERR ${message}` })) },
  { weight: 1, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((v) => ({ kind: "integer" as const, value: v })) },
);

describe("RESP span parser", () => {
  it("reads random replies however the bytes are split into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(model, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (models, cuts) => {
          const bytes = Buffer.concat(models.map(encode));
          expect(parseChunks(split(bytes, cuts))).toEqual(models.map(expected));
          expect(parseBorrowed(split(bytes, cuts))).toEqual(models.map(expected));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads a reply split at every byte boundary, and fed one byte at a time", () => {
    const models: Model[] = [
      { kind: "array", values: [Buffer.from("a\r\nb"), null, Buffer.alloc(0), Buffer.from("0123456789abc")] },
      { kind: "error", message: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { kind: "bulk", value: null },
      { kind: "array", values: [] },
      { kind: "simple", text: "OK" },
      { kind: "integer", value: -42 },
    ];
    const bytes = Buffer.concat(models.map(encode));
    const want = models.map(expected);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(want);
      expect(parseBorrowed([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(want);
    }
    expect(parseChunks([...bytes].map((b) => Buffer.from([b])))).toEqual(want);
    expect(parseBorrowed([...bytes].map((b) => Buffer.from([b])))).toEqual(want);
  });

  it("hands over a reply that arrived in one chunk as a view of it, without copying", () => {
    const chunk = encode({ kind: "array", values: [Buffer.from("xyz"), null] });
    let buffer: Buffer | undefined;
    new RespSpanParser((reply) => {
      if (reply.kind === "spans") buffer = reply.buffer;
    }).feed(chunk);
    expect(buffer?.buffer).toBe(chunk.buffer);
  });

  it("copies replies of borrowed chunks out, consecutive ones into one slab", () => {
    const chunk = Buffer.concat([
      encode({ kind: "array", values: [Buffer.from("xyz"), null] }),
      encode({ kind: "bulk", value: Buffer.from("abc") }),
    ]);
    const buffers: Buffer[] = [];
    new RespSpanParser((reply) => {
      if (reply.kind === "spans") buffers.push(reply.buffer);
    }, new ByteSlab()).feed(chunk);
    expect(buffers).toHaveLength(2);
    expect(buffers[0]!.buffer).not.toBe(chunk.buffer);
    expect(buffers[1]!.buffer).toBe(buffers[0]!.buffer);
  });

  it("refuses bytes that are not a reply it reads", () => {
    const bad = ["%2\r\n", "*1\r\n:1\r\n", "$x\r\n", "$3\r\nabcXY", "+OK\rX", "$\r\n"];
    for (const text of bad) {
      expect(() => new RespSpanParser(() => undefined).feed(Buffer.from(text)), text).toThrow(RespProtocolError);
    }
  });

  it("starts clean after reset, dropping a partly read reply", () => {
    const replies: unknown[] = [];
    const parser = new RespSpanParser((reply) => replies.push(view(reply)));
    parser.feed(Buffer.from("*2\r\n$3\r\nab"));
    parser.reset();
    parser.feed(encode({ kind: "simple", text: "OK" }));
    expect(replies).toEqual([{ kind: "simple", text: "OK" }]);
  });
});
