import { UnauthenticatedError } from "../errors.js";
import type { CallInterceptor } from "../server/interceptor.js";
import { bearerToken } from "./bearer-token.js";
import { kPrincipal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Message for a call without a token (Feast's wording). */
export const MISSING_TOKEN_MESSAGE = "Missing authentication token";

/**
 * Refuses calls without a valid bearer token (UNAUTHENTICATED / 401) and puts the caller's Principal
 * in the call's values (`kPrincipal`) for permission checks and handlers. Health, /docs and
 * /openapi.json never reach interceptors.
 */
export function createAuthInterceptor(verifier: TokenVerifier): CallInterceptor {
  return {
    name: "auth",
    async enter(call) {
      const token = bearerToken(call.headers);
      if (token === undefined) throw new UnauthenticatedError(MISSING_TOKEN_MESSAGE);
      call.values.set(kPrincipal, await verifier.verify(token));
    },
  };
}
