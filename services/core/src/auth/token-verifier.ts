import type { Principal } from "./principal.js";

/**
 * Turns a bearer token into the caller's Principal, or throws UnauthenticatedError (bad token) or
 * UnavailableError (the identity provider or API server cannot be reached).
 */
export interface TokenVerifier {
  readonly kind: "oidc" | "kubernetes";
  verify(token: string): Promise<Principal>;
}
