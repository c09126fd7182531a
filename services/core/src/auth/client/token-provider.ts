/** Where a client gets the bearer token it sends; shared by the CLI, RemoteRegistry and the SDK. */
export interface TokenProvider {
  /** The token to send now, or undefined to send none. Fetches or refreshes when needed. */
  token(): Promise<string | undefined>;
  /** Forgets any cached token, so the next `token()` fetches a fresh one (after UNAUTHENTICATED). */
  invalidate(): void;
}

/** A provider that sends no token (no_auth without `LARDER_AUTH_TOKEN`). */
export const NO_TOKEN: TokenProvider = Object.freeze({
  token: () => Promise.resolve(undefined),
  invalidate: () => undefined,
});

/** A provider of a fixed token. */
export function staticTokenProvider(token: string): TokenProvider {
  return { token: () => Promise.resolve(token), invalidate: () => undefined };
}
