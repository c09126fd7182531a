import type { JWTPayload } from "jose";
import type { OidcAuthConfig } from "../../config/auth-config.js";
import { UnauthenticatedError } from "../../errors.js";
import type { Principal } from "../principal.js";

/** The value at a dotted path (`resource_access.larder.roles`), or undefined. */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Builds the Principal of a verified token's claims as Feast does: the first string claim of
 * `usernameClaims`, roles merged from `rolesClaimPaths` (deduplicated, order kept), groups from
 * `groupsClaimPath`. A token naming no user is refused.
 */
export function principalFromClaims(
  payload: JWTPayload,
  config: Pick<OidcAuthConfig, "usernameClaims" | "rolesClaimPaths" | "groupsClaimPath">,
): Principal {
  let username: string | undefined;
  for (const claim of config.usernameClaims) {
    const value = claimAt(payload, claim);
    if (typeof value === "string" && value.length > 0) {
      username = value;
      break;
    }
  }
  if (username === undefined) throw new UnauthenticatedError("Invalid or expired access token");
  const roles = [...new Set(config.rolesClaimPaths.flatMap((path) => strings(claimAt(payload, path))))];
  const groups = [...new Set(strings(claimAt(payload, config.groupsClaimPath)))];
  return Object.freeze({
    username,
    roles: Object.freeze(roles),
    groups: Object.freeze(groups),
    namespaces: Object.freeze([]),
    source: "oidc",
  });
}
