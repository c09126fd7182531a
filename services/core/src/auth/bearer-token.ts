/** Largest bearer token accepted; real JWTs and Kubernetes tokens are a few KiB. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * The token of an `authorization: Bearer <token>` header (scheme case-insensitive, as Feast reads it),
 * or undefined when the header is missing, has another scheme, or is empty or oversized.
 */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  if (value === null || value.length > MAX_TOKEN_LENGTH + 16) return undefined;
  const match = BEARER.exec(value);
  return match?.[1];
}
