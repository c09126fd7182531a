import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from "jose";

/** Options of a token the test signs directly. */
export interface SignOptions {
  /** @default 300 */
  readonly expiresInSeconds?: number;
  /** @default "larder" */
  readonly audience?: string;
  /** @default the issuer's own URL */
  readonly issuer?: string;
  /** @default the signing key's kid */
  readonly kid?: string;
  /** Leaves `exp` out of the token. */
  readonly omitExp?: boolean;
  /**
   * `none` builds an unsecured token; `HS256` signs with the RSA/EC public key's PEM as the HMAC secret
   * (the HS/RS confusion attack). Any other value is signed with the issuer's key as usual.
   */
  readonly alg?: string;
  /** `nbf` this many seconds in the future. */
  readonly notBeforeSeconds?: number;
}

/** A user of the password grant. */
export interface OidcUser {
  readonly password: string;
  /** Extra claims in the user's tokens (roles, groups, ...). */
  readonly claims?: Record<string, unknown>;
}

export interface OidcIssuerOptions {
  /** @default "RS256" */
  readonly alg?: "RS256" | "ES256";
  /** Confidential clients of the token endpoint, id → secret. @default { larder: "larder-secret" } */
  readonly clients?: Readonly<Record<string, string>>;
  /** Users of the password grant. @default { alice: { password: "alice-pw" } } */
  readonly users?: Readonly<Record<string, OidcUser>>;
  /** Lifetime of tokens from the token endpoint. @default 300 */
  readonly tokenLifetimeSeconds?: number;
}

/** A real OpenID Connect issuer on loopback: discovery, JWKS and a token endpoint. */
export interface OidcIssuer {
  /** `http://127.0.0.1:PORT` */
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  readonly alg: "RS256" | "ES256";
  /** The signing key's id as published in the JWKS. */
  readonly kid: string;
  /** The public key in SPKI PEM (what an HS/RS confusion attacker would use as the HMAC secret). */
  readonly publicKeyPem: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** How many times the discovery document was fetched. */
  readonly discoveryFetches: number;
  /** How many tokens the token endpoint issued. */
  readonly issuedTokens: number;
  /** How many requests the token endpoint answered (issued or refused). */
  readonly tokenRequests: number;
  /** Lifetime of tokens from the token endpoint; writable. */
  tokenLifetimeSeconds: number;
  /** When set, the discovery document announces this issuer instead of the real one. */
  discoveryIssuerOverride: string | undefined;
  /** When set, the token endpoint reports this `expires_in` whatever the token's real lifetime. */
  advertisedExpiresInSeconds: number | undefined;
  /** Audience of tokens from the token endpoint; writable. @default "larder" */
  tokenAudience: string;
  sign(claims: Record<string, unknown>, opts?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

const DEFAULT_CLIENTS: Readonly<Record<string, string>> = { larder: "larder-secret" };
const DEFAULT_USERS: Readonly<Record<string, OidcUser>> = { alice: { password: "alice-pw" } };

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Client id and secret from HTTP Basic auth or the form body (client_secret_basic / client_secret_post). */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id?: string; secret?: string } {
  const header = req.headers.authorization;
  if (header?.toLowerCase().startsWith("basic ") === true) {
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  const id = form.get("client_id") ?? undefined;
  const secret = form.get("client_secret") ?? undefined;
  return { ...(id !== undefined ? { id } : {}), ...(secret !== undefined ? { secret } : {}) };
}

/** Starts an OIDC issuer on 127.0.0.1 with a freshly generated key (jose), for tests. */
export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const alg = options.alg ?? "RS256";
  const clients = options.clients ?? DEFAULT_CLIENTS;
  const users = options.users ?? DEFAULT_USERS;
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `key-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  const publicKeyPem = await exportSPKI(publicKey);

  let jwksFetches = 0;
  let discoveryFetches = 0;
  let issuedTokens = 0;
  let tokenRequests = 0;
  let issuerUrl = "";

  const state = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 300,
    discoveryIssuerOverride: undefined as string | undefined,
    advertisedExpiresInSeconds: undefined as number | undefined,
    tokenAudience: "larder",
  };

  async function sign(claims: Record<string, unknown>, opts: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iat: now,
      jti: randomUUID(),
      ...claims,
      iss: opts.issuer ?? issuerUrl,
      aud: opts.audience ?? "larder",
    };
    if (opts.omitExp !== true) payload.exp = now + (opts.expiresInSeconds ?? 300);
    if (opts.notBeforeSeconds !== undefined) payload.nbf = now + opts.notBeforeSeconds;
    const header = { alg: opts.alg ?? alg, typ: "JWT", kid: opts.kid ?? kid };
    if (header.alg === "none") {
      return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.`;
    }
    if (header.alg === "HS256") {
      const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
      const mac = createHmac("sha256", publicKeyPem).update(input).digest();
      return `${input}.${base64url(mac)}`;
    }
    return new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    tokenRequests += 1;
    const form = new URLSearchParams(await readBody(req));
    const client = clientCredentials(req, form);
    if (client.id === undefined || clients[client.id] === undefined || clients[client.id] !== client.secret) {
      sendJson(res, 401, { error: "invalid_client" });
      return;
    }
    const grant = form.get("grant_type");
    let claims: Record<string, unknown>;
    if (grant === "client_credentials") {
      const name = `service-account-${client.id}`;
      claims = { sub: name, preferred_username: name, azp: client.id };
    } else if (grant === "password") {
      const username = form.get("username") ?? "";
      const user = users[username];
      if (user?.password !== form.get("password")) {
        sendJson(res, 400, { error: "invalid_grant" });
        return;
      }
      claims = { sub: `user-${username}`, preferred_username: username, azp: client.id, ...user.claims };
    } else {
      sendJson(res, 400, { error: "unsupported_grant_type" });
      return;
    }
    const lifetime = state.tokenLifetimeSeconds;
    const accessToken = await sign(claims, { expiresInSeconds: lifetime, audience: state.tokenAudience });
    issuedTokens += 1;
    sendJson(res, 200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: state.advertisedExpiresInSeconds ?? lifetime,
    });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      discoveryFetches += 1;
      sendJson(res, 200, {
        issuer: state.discoveryIssuerOverride ?? issuerUrl,
        jwks_uri: `${issuerUrl}/jwks`,
        token_endpoint: `${issuerUrl}/token`,
        authorization_endpoint: `${issuerUrl}/authorize`,
        id_token_signing_alg_values_supported: [alg],
        grant_types_supported: ["client_credentials", "password"],
      });
      return;
    }
    if (req.method === "GET" && path === "/jwks") {
      jwksFetches += 1;
      sendJson(res, 200, { keys: [publicJwk] });
      return;
    }
    if (req.method === "POST" && path === "/token") {
      token(req, res).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
      return;
    }
    sendJson(res, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuerUrl = `http://127.0.0.1:${port}`;

  return {
    issuer: issuerUrl,
    discoveryUrl: `${issuerUrl}/.well-known/openid-configuration`,
    jwksUrl: `${issuerUrl}/jwks`,
    tokenUrl: `${issuerUrl}/token`,
    alg,
    kid,
    publicKeyPem,
    get jwksFetches() {
      return jwksFetches;
    },
    get discoveryFetches() {
      return discoveryFetches;
    },
    get issuedTokens() {
      return issuedTokens;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get tokenLifetimeSeconds() {
      return state.tokenLifetimeSeconds;
    },
    set tokenLifetimeSeconds(value: number) {
      state.tokenLifetimeSeconds = value;
    },
    get discoveryIssuerOverride() {
      return state.discoveryIssuerOverride;
    },
    set discoveryIssuerOverride(value: string | undefined) {
      state.discoveryIssuerOverride = value;
    },
    get advertisedExpiresInSeconds() {
      return state.advertisedExpiresInSeconds;
    },
    set advertisedExpiresInSeconds(value: number | undefined) {
      state.advertisedExpiresInSeconds = value;
    },
    get tokenAudience() {
      return state.tokenAudience;
    },
    set tokenAudience(value: string) {
      state.tokenAudience = value;
    },
    sign,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The `auth:` mapping of feature_store.yaml for this issuer (client_id and audience "larder"). */
export function oidcAuthYaml(
  issuer: OidcIssuer | string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = typeof issuer === "string" ? issuer : issuer.issuer;
  return {
    type: "oidc",
    auth_discovery_url: `${base}/.well-known/openid-configuration`,
    client_id: "larder",
    audience: "larder",
    ...extra,
  };
}
