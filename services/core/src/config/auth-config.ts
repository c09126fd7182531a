import { ConfigError } from "../errors.js";
import { describeValue, typedSection, type Section } from "./section.js";

/** What happens to a resource no permission covers: Feast denies; `allow_authenticated` lets any known user in. */
export type UncoveredPolicy = "deny" | "allow_authenticated";

interface AuthCommon {
  /** @default "deny" */
  readonly defaultPolicyForUncovered: UncoveredPolicy;
}

/** No authentication; Feast then checks no permissions at all. */
export interface NoAuthConfig extends AuthCommon {
  readonly type: "no_auth";
}

/** OpenID Connect bearer tokens: server-side verification plus the client-side token sources Feast accepts. */
export interface OidcAuthConfig extends AuthCommon {
  readonly type: "oidc";
  /** Required unless the config is client-only (`token` or `token_env_var`). */
  readonly authDiscoveryUrl: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly realm: string | undefined;
  /** Expected `aud`. @default clientId */
  readonly audience: string | undefined;
  /** Expected `iss`; undefined takes the discovery document's issuer. @default undefined */
  readonly issuer: string | undefined;
  /** @default true */
  readonly verifyAudience: boolean;
  /** @default true */
  readonly verifyIssuer: boolean;
  /** Accepted signature algorithms; `none` and HMAC are never allowed. @default ["RS256", "ES256"] */
  readonly algorithms: readonly string[];
  /** @default 5 */
  readonly clockToleranceSeconds: number;
  /** Least time between two JWKS refetches caused by unknown key ids. @default 30 */
  readonly jwksCooldownSeconds: number;
  /** Feast `jwks_cache_lifespan_seconds`. @default 600 */
  readonly jwksCacheMaxAgeSeconds: number;
  /** Feast `jwks_request_timeout_seconds` × 1000. @default 5000 */
  readonly jwksTimeoutMs: number;
  /** Dotted claim paths holding role lists. @default ["resource_access.<clientId>.roles", "roles"] */
  readonly rolesClaimPaths: readonly string[];
  /** @default "groups" */
  readonly groupsClaimPath: string;
  /** First string claim found names the user (Feast's order). @default ["preferred_username", "upn", "azp", "appid", "sub"] */
  readonly usernameClaims: readonly string[];
  /** Client side: a fixed token, or the environment variable holding one. */
  readonly token: string | undefined;
  readonly tokenEnvVar: string | undefined;
  /** @default 30 */
  readonly tokenRefreshMarginSeconds: number;
  /** @default true */
  readonly verifySsl: boolean;
  readonly caCertPath: string | undefined;
  readonly uiClientId: string | undefined;
}

/** Kubernetes service-account tokens checked with TokenReview. */
export interface KubernetesAuthConfig extends AuthCommon {
  readonly type: "kubernetes";
  readonly apiServerUrl: string | undefined;
  readonly caFile: string | undefined;
  readonly namespace: string | undefined;
  readonly userToken: string | undefined;
}

export type AuthConfig = NoAuthConfig | OidcAuthConfig | KubernetesAuthConfig;

/** Defaults of the oidc auth config. */
export const DEFAULT_OIDC_AUTH_CONFIG = Object.freeze({
  verifyAudience: true,
  verifyIssuer: true,
  algorithms: Object.freeze(["RS256", "ES256"]),
  clockToleranceSeconds: 5,
  jwksCooldownSeconds: 30,
  jwksCacheMaxAgeSeconds: 600,
  jwksTimeoutMs: 5000,
  groupsClaimPath: "groups",
  usernameClaims: Object.freeze(["preferred_username", "upn", "azp", "appid", "sub"]),
  tokenRefreshMarginSeconds: 30,
  verifySsl: true,
});

/** Default of `auth.default_policy_for_uncovered`. @default "deny" */
export const DEFAULT_UNCOVERED_POLICY: UncoveredPolicy = "deny";

const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/** Reads an option Larder names `key` and Feast names `feastKey`; setting both fails. */
function aliased(section: Section, key: string, feastKey: string): string {
  if (section.has(key) && section.has(feastKey)) {
    throw new ConfigError(`${section.pathOf(key)} and ${section.pathOf(feastKey)} are the same option; set one`);
  }
  return section.has(feastKey) ? feastKey : key;
}

function oidc(section: Section, common: AuthCommon): OidcAuthConfig {
  const d = DEFAULT_OIDC_AUTH_CONFIG;
  const token = section.string("token");
  const tokenEnvVar = section.string(aliased(section, "token_env_var", "token_env"));
  section.ignore("token_env_var", "token_env");
  if (token !== undefined && tokenEnvVar !== undefined) {
    throw new ConfigError(`${section.pathOf("token")} and ${section.pathOf("token_env_var")} exclude each other`);
  }
  const clientOnly = token !== undefined || tokenEnvVar !== undefined;
  const authDiscoveryUrl = clientOnly
    ? section.string("auth_discovery_url")
    : section.requiredString("auth_discovery_url", " for auth.type oidc (unless token or token_env_var is set)");
  const clientId = section.string("client_id");
  const username = section.string("username");
  const password = section.string("password");
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(`${section.pathOf("username")} and ${section.pathOf("password")} must be set together`);
  }
  const audience = section.string("audience") ?? clientId;
  const verifyAudience = section.boolean("verify_audience", d.verifyAudience);
  if (verifyAudience && audience === undefined && !clientOnly) {
    throw new ConfigError(
      `${section.pathOf("audience")} (or ${section.pathOf("client_id")}) is required while ${section.pathOf("verify_audience")} is true`,
    );
  }
  const algorithms = section.stringList("algorithms") ?? d.algorithms;
  const badAlgorithm = algorithms.find((alg) => !ASYMMETRIC_ALGORITHMS.includes(alg));
  if (badAlgorithm !== undefined || algorithms.length === 0) {
    throw new ConfigError(
      `${section.pathOf("algorithms")} must list some of ${ASYMMETRIC_ALGORITHMS.join(", ")}, got ${describeValue(badAlgorithm ?? algorithms)}`,
    );
  }
  const cacheKey = aliased(section, "jwks_cache_max_age_seconds", "jwks_cache_lifespan_seconds");
  // Feast gives the JWKS timeout in seconds; Larder keeps milliseconds.
  aliased(section, "jwks_timeout_ms", "jwks_request_timeout_seconds");
  const feastTimeoutSeconds = section.optionalNumber("jwks_request_timeout_seconds", {
    min: 0.001,
    max: 60,
    integer: false,
  });
  section.ignore("jwks_cache_max_age_seconds", "jwks_cache_lifespan_seconds");
  return {
    type: "oidc",
    ...common,
    authDiscoveryUrl,
    clientId,
    clientSecret: section.string("client_secret"),
    username,
    password,
    realm: section.string("realm"),
    audience,
    issuer: section.string("issuer"),
    verifyAudience,
    verifyIssuer: section.boolean("verify_issuer", d.verifyIssuer),
    algorithms,
    clockToleranceSeconds: section.number("clock_tolerance_seconds", d.clockToleranceSeconds, { min: 0, max: 300 }),
    jwksCooldownSeconds: section.number("jwks_cooldown_seconds", d.jwksCooldownSeconds, { min: 0, max: 86_400 }),
    jwksCacheMaxAgeSeconds: section.number(cacheKey, d.jwksCacheMaxAgeSeconds, { min: 1, max: 604_800 }),
    jwksTimeoutMs:
      feastTimeoutSeconds !== undefined
        ? Math.round(feastTimeoutSeconds * 1000)
        : section.number("jwks_timeout_ms", d.jwksTimeoutMs, { min: 1, max: 60_000 }),
    rolesClaimPaths:
      section.stringList("roles_claim_paths") ??
      Object.freeze(clientId === undefined ? ["roles"] : [`resource_access.${clientId}.roles`, "roles"]),
    groupsClaimPath: section.string("groups_claim_path") ?? d.groupsClaimPath,
    usernameClaims: section.stringList("username_claims") ?? d.usernameClaims,
    token,
    tokenEnvVar,
    tokenRefreshMarginSeconds: section.number("token_refresh_margin_seconds", d.tokenRefreshMarginSeconds, {
      min: 0,
      max: 3600,
    }),
    verifySsl: section.boolean("verify_ssl", d.verifySsl),
    caCertPath: section.string("ca_cert_path"),
    uiClientId: section.string("ui_client_id"),
  };
}

/** Validates `auth` (a type string or a mapping); the default is no_auth. */
export function validateAuthConfig(raw: unknown): AuthConfig {
  const { section, type } = typedSection("auth", raw, "no_auth");
  const common: AuthCommon = {
    defaultPolicyForUncovered: section.oneOf(
      "default_policy_for_uncovered",
      ["deny", "allow_authenticated"] as const,
      DEFAULT_UNCOVERED_POLICY,
    ),
  };
  let config: AuthConfig;
  switch (type) {
    case "no_auth":
      config = { type: "no_auth", ...common };
      break;
    case "oidc":
      config = oidc(section, common);
      break;
    case "kubernetes":
      config = {
        type: "kubernetes",
        ...common,
        apiServerUrl: section.string("api_server_url"),
        caFile: section.string("ca_file"),
        namespace: section.string("namespace"),
        userToken: section.string("user_token"),
      };
      break;
    default:
      throw new ConfigError(`auth.type must be one of no_auth, oidc, kubernetes, got ${describeValue(type)}`);
  }
  section.finish();
  return Object.freeze(config);
}
