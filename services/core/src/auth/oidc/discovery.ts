import { UnavailableError } from "../../errors.js";
import { isRecord, requestJson } from "../http-json.js";

/** The parts of an OpenID Provider's `.well-known/openid-configuration` Larder uses. */
export interface OidcDiscovery {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Absent for providers that only publish keys. */
  readonly tokenEndpoint: string | undefined;
}

export interface DiscoveryOptions {
  readonly caPem?: string | Buffer | undefined;
  readonly rejectUnauthorized?: boolean;
  readonly timeoutMs?: number;
}

/** Fetches and checks a discovery document; an unreachable or malformed one is UNAVAILABLE. */
export async function fetchDiscovery(url: string, options: DiscoveryOptions = {}): Promise<OidcDiscovery> {
  let status: number;
  let json: unknown;
  try {
    ({ status, json } = await requestJson({
      url,
      ...(options.caPem === undefined ? {} : { caPem: options.caPem }),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      timeoutMs: options.timeoutMs ?? 5000,
    }));
  } catch (error) {
    throw new UnavailableError("The identity provider's discovery document could not be fetched", { cause: error });
  }
  if (status !== 200 || !isRecord(json)) {
    throw new UnavailableError(`The identity provider's discovery document answered HTTP ${status}, not a JSON object`);
  }
  const { issuer, jwks_uri: jwksUri, token_endpoint: tokenEndpoint } = json;
  if (typeof issuer !== "string" || issuer.length === 0 || typeof jwksUri !== "string" || jwksUri.length === 0) {
    throw new UnavailableError("The identity provider's discovery document lacks issuer or jwks_uri");
  }
  return { issuer, jwksUri, tokenEndpoint: typeof tokenEndpoint === "string" ? tokenEndpoint : undefined };
}
