import * as http from "node:http";
import * as https from "node:https";

/** One JSON (or form) request to an identity provider or the Kubernetes API server. */
export interface JsonRequest {
  readonly url: string;
  /** @default "GET" */
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is; set the content type in `headers`. */
  readonly body?: string;
  /** Extra CA certificates (PEM) to trust for https URLs. */
  readonly caPem?: string | Buffer;
  /** @default true */
  readonly rejectUnauthorized?: boolean;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

export interface JsonResponse {
  readonly status: number;
  /** The parsed body; undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** Largest answer read (a JWKS, a RoleBinding list); anything bigger is cut off as an error. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Sends one request with node:http(s), so that a private CA can be trusted (global fetch cannot
 * without undici). Network failures and timeouts reject with the underlying error (ECONNREFUSED, ...).
 */
export function requestJson(request: JsonRequest): Promise<JsonResponse> {
  const url = new URL(request.url);
  const secure = url.protocol === "https:";
  const timeoutMs = request.timeoutMs ?? 5000;
  const options: https.RequestOptions = {
    method: request.method ?? "GET",
    headers: {
      accept: "application/json",
      ...request.headers,
      ...(request.body === undefined ? {} : { "content-length": String(Buffer.byteLength(request.body)) }),
    },
    ...(secure
      ? {
          ...(request.caPem === undefined ? {} : { ca: request.caPem }),
          rejectUnauthorized: request.rejectUnauthorized ?? true,
        }
      : {}),
  };
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(Object.assign(new Error(`response from ${url.origin} is too large`), { code: "EMSGSIZE" }));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text.length === 0 ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(
        Object.assign(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`), { code: "ETIMEDOUT" }),
      );
    });
    req.on("error", reject);
    req.end(request.body);
  });
}

/** True when `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
