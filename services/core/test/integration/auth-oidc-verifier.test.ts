import { randomUUID } from "node:crypto";
import { Code, createOidcVerifier, validateAuthConfig, type OidcAuthConfig, type TokenVerifier } from "@larder/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../../../../test/harness/oidc-issuer.js";

// The OIDC verifier against a real issuer on loopback (jose keys, discovery, JWKS): every attack of
// runtime-notes "OIDC with jose" is refused with UNAUTHENTICATED, and valid tokens name the caller.

function oidcConfig(issuer: OidcIssuer | string, extra: Record<string, unknown> = {}): OidcAuthConfig {
  const config = validateAuthConfig(oidcAuthYaml(issuer, extra));
  if (config.type !== "oidc") throw new Error("expected an oidc config");
  return config;
}

const claims = {
  sub: "user-1",
  preferred_username: "alice",
  resource_access: { larder: { roles: ["reader", "writer"] }, other: { roles: ["admin"] } },
  roles: ["writer", "auditor"],
  groups: ["ml", "risk"],
};

describe("createOidcVerifier", () => {
  let issuer: OidcIssuer;
  let other: OidcIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    issuer = await startOidcIssuer();
    other = await startOidcIssuer();
    verifier = createOidcVerifier(oidcConfig(issuer), { cacheMaxEntries: 0 });
  });
  afterAll(async () => {
    await issuer.close();
    await other.close();
  });

  it("accepts a valid token and builds the principal from Feast's claims", async () => {
    const principal = await verifier.verify(await issuer.sign(claims));
    expect(principal).toEqual({
      username: "alice",
      roles: ["reader", "writer", "auditor"],
      groups: ["ml", "risk"],
      namespaces: [],
      source: "oidc",
    });
  });

  it("takes the user name from preferred_username, upn, azp, appid, sub in that order", async () => {
    expect((await verifier.verify(await issuer.sign({ sub: "s", appid: "app" }))).username).toBe("app");
    expect((await verifier.verify(await issuer.sign({ sub: "s" }))).username).toBe("s");
    expect((await verifier.verify(await issuer.sign({ sub: "s", upn: "u@corp", azp: "cli" }))).username).toBe("u@corp");
  });

  const attacks: Array<[string, () => Promise<string>]> = [
    ["alg none", () => issuer.sign(claims, { alg: "none" })],
    ["HS256 signed with the RSA public key (HS/RS confusion)", () => issuer.sign(claims, { alg: "HS256" })],
    ["an expired token", () => issuer.sign(claims, { expiresInSeconds: -60 })],
    ["a token not yet valid", () => issuer.sign(claims, { notBeforeSeconds: 120 })],
    ["a wrong audience", () => issuer.sign(claims, { audience: "another-client" })],
    ["a wrong issuer", () => issuer.sign(claims, { issuer: "http://evil.example" })],
    ["a token without exp", () => issuer.sign(claims, { omitExp: true })],
    [
      "a token signed by another issuer's key under our kid",
      () => other.sign(claims, { issuer: issuer.issuer, kid: issuer.kid }),
    ],
    ["a token naming no user", () => issuer.sign({ roles: ["admin"] })],
    [
      "a tampered payload",
      async () => {
        const [header, , signature] = (await issuer.sign(claims)).split(".");
        const forged = Buffer.from(
          JSON.stringify({ ...claims, roles: ["admin"], exp: 4e9, aud: "larder", iss: issuer.issuer }),
        ).toString("base64url");
        return `${header}.${forged}.${signature}`;
      },
    ],
    ["garbage", () => Promise.resolve("not-a-jwt")],
    [
      "a token whose header embeds its own key",
      async () => {
        const token = await issuer.sign(claims);
        const [header, payload, signature] = token.split(".");
        const decoded = JSON.parse(Buffer.from(header ?? "", "base64url").toString()) as Record<string, unknown>;
        const embedded = Buffer.from(
          JSON.stringify({ ...decoded, jwk: { kty: "oct", k: "c2VjcmV0" }, kid: "x" }),
        ).toString("base64url");
        return `${embedded}.${payload}.${signature}`;
      },
    ],
  ];

  for (const [name, token] of attacks) {
    it(`refuses ${name} with UNAUTHENTICATED`, async () => {
      await expect(verifier.verify(await token())).rejects.toMatchObject({ code: Code.Unauthenticated });
    });
  }

  it("survives a flood of unknown key ids without a JWKS fetch storm", async () => {
    await verifier.verify(await issuer.sign(claims));
    const before = issuer.jwksFetches;
    const tokens = await Promise.all(Array.from({ length: 200 }, () => issuer.sign(claims, { kid: randomUUID() })));
    const outcomes = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: Code.Unauthenticated });
    }
    // jose refetches on an unknown kid at most once per cooldown (30 s by default).
    expect(issuer.jwksFetches - before).toBeLessThanOrEqual(1);
    await expect(verifier.verify(await issuer.sign(claims))).resolves.toMatchObject({ username: "alice" });
  });

  it("accepts ES256 tokens from an EC issuer with the default algorithm list", async () => {
    const ec = await startOidcIssuer({ alg: "ES256" });
    try {
      const ecVerifier = createOidcVerifier(oidcConfig(ec));
      expect((await ecVerifier.verify(await ec.sign(claims))).username).toBe("alice");
      // An RS256-only allow-list refuses the same token.
      const rsOnly = createOidcVerifier(oidcConfig(ec, { algorithms: ["RS256"] }));
      await expect(rsOnly.verify(await ec.sign(claims))).rejects.toMatchObject({ code: Code.Unauthenticated });
    } finally {
      await ec.close();
    }
  });

  it("skips the audience check only when verify_audience is false", async () => {
    const lax = createOidcVerifier(oidcConfig(issuer, { verify_audience: false }));
    expect((await lax.verify(await issuer.sign(claims, { audience: "x" }))).username).toBe("alice");
  });

  it("reads roles and groups from configured claim paths", async () => {
    const custom = createOidcVerifier(
      oidcConfig(issuer, {
        roles_claim_paths: ["realm_access.roles"],
        groups_claim_path: "org.teams",
        username_claims: ["email"],
      }),
    );
    const principal = await custom.verify(
      await issuer.sign({ email: "a@x", realm_access: { roles: ["r1"] }, org: { teams: ["t1"] }, roles: ["ignored"] }),
    );
    expect(principal).toMatchObject({ username: "a@x", roles: ["r1"], groups: ["t1"] });
  });

  it("refuses every token when the discovery issuer differs from the configured issuer", async () => {
    const rogue = await startOidcIssuer();
    try {
      rogue.discoveryIssuerOverride = "http://127.0.0.1:1/not-the-issuer";
      const strict = createOidcVerifier(oidcConfig(rogue, { issuer: rogue.issuer }));
      await expect(strict.verify(await rogue.sign(claims))).rejects.toMatchObject({ code: Code.Unavailable });
      expect(rogue.jwksFetches).toBe(0);
    } finally {
      await rogue.close();
    }
  });

  it("answers UNAVAILABLE while the identity provider cannot be reached", async () => {
    const gone = await startOidcIssuer();
    const token = await gone.sign(claims);
    const config = oidcConfig(gone);
    await gone.close();
    await expect(createOidcVerifier(config).verify(token)).rejects.toMatchObject({ code: Code.Unavailable });
  });

  it("verifies a repeated token once while it is cached", async () => {
    const cached = createOidcVerifier(oidcConfig(issuer));
    const token = await issuer.sign(claims);
    const first = await cached.verify(token);
    expect(await cached.verify(token)).toBe(first);
  });
});
