import { Buffer } from "node:buffer";

const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/** Standard (RFC 4648 §4) base64 with padding, as Python's `base64.b64encode`. */
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes standard or URL-safe base64 (padding optional); undefined if the text is not base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1 || (text.length !== body.length && text.length % 4 !== 0)) return undefined;
  const decoded = Buffer.from(body, "base64");
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}
