import { ANONYMOUS, bearerToken, principalFromClaims, type Principal } from "@larder/core";
import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../../src/auth/verified-token-cache.js";

describe("bearerToken", () => {
  const of = (value?: string): string | undefined =>
    bearerToken(new Headers(value === undefined ? {} : { authorization: value }));

  it("reads the token of a Bearer header, scheme in any case", () => {
    expect(of("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(of("bearer abc")).toBe("abc");
    expect(of("BEARER   abc  ")).toBe("abc");
  });

  it("returns undefined for a missing, empty, other-scheme or oversized header", () => {
    expect(of()).toBeUndefined();
    expect(of("Bearer")).toBeUndefined();
    expect(of("Bearer ")).toBeUndefined();
    expect(of("Basic abc")).toBeUndefined();
    expect(of("Bearer a b")).toBeUndefined();
    expect(of(`Bearer ${"a".repeat(20_000)}`)).toBeUndefined();
  });
});

describe("principalFromClaims", () => {
  const config = {
    usernameClaims: ["preferred_username", "upn", "azp", "appid", "sub"],
    rolesClaimPaths: ["resource_access.larder.roles", "roles"],
    groupsClaimPath: "groups",
  };

  it("merges client roles and top-level roles without duplicates, in order", () => {
    const principal = principalFromClaims(
      { sub: "s", resource_access: { larder: { roles: ["a", "b"] } }, roles: ["b", "c", 3], groups: ["g"] },
      config,
    );
    expect(principal).toEqual({ username: "s", roles: ["a", "b", "c"], groups: ["g"], namespaces: [], source: "oidc" });
  });

  it("skips empty and non-string user name claims", () => {
    expect(principalFromClaims({ preferred_username: "", upn: 5, azp: "client" }, config).username).toBe("client");
  });

  it("refuses claims that name no user", () => {
    expect(() => principalFromClaims({ roles: ["admin"] }, config)).toThrow(/Invalid or expired/);
  });
});

describe("VerifiedTokenCache", () => {
  const alice: Principal = { ...ANONYMOUS, username: "alice", source: "oidc" };

  it("keeps a token until its expiry, capped by the max age", () => {
    let now = 1_000;
    const cache = new VerifiedTokenCache(10, 500, () => now);
    cache.set("t", alice, 1_200);
    expect(cache.get("t")).toBe(alice);
    now = 1_200;
    expect(cache.get("t")).toBeUndefined();
    cache.set("u", alice, 1_000_000);
    now = 1_699;
    expect(cache.get("u")).toBe(alice);
    now = 1_700;
    expect(cache.get("u")).toBeUndefined();
  });

  it("evicts the least recently used token past its size", () => {
    const cache = new VerifiedTokenCache(2, 60_000);
    const later = Date.now() + 60_000;
    cache.set("a", alice, later);
    cache.set("b", alice, later);
    cache.get("a");
    cache.set("c", alice, later);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(alice);
    expect(cache.size).toBe(2);
  });

  it("does not cache an already expired token", () => {
    const cache = new VerifiedTokenCache(2, 60_000);
    cache.set("old", alice, Date.now() - 1);
    expect(cache.size).toBe(0);
  });
});
