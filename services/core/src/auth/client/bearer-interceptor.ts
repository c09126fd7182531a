import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { TokenProvider } from "./token-provider.js";

/**
 * A Connect client interceptor that sends `authorization: Bearer <token>` from `provider`. On
 * UNAUTHENTICATED it invalidates the token and retries once with a fresh one (unary calls only:
 * a streamed request body cannot be sent twice); the token may simply have expired in flight.
 */
export function bearerTokenInterceptor(provider: TokenProvider): Interceptor {
  return (next) => async (req) => {
    const token = await provider.token();
    if (token === undefined) return next(req);
    req.header.set("authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (error) {
      if (req.stream || ConnectError.from(error).code !== Code.Unauthenticated) throw error;
      provider.invalidate();
      const fresh = await provider.token();
      if (fresh === undefined) throw error;
      req.header.set("authorization", `Bearer ${fresh}`);
      return next(req);
    }
  };
}
