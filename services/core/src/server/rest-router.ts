import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError, createContextValues, type ContextValues } from "@connectrpc/connect";
import { codeName, httpStatusFromCode, toConnectError, type UnmappedErrorReporter } from "../error-mapping.js";
import { enterAll, exitAll, type CallInfo, type CallInterceptor } from "./interceptor.js";

/** A parsed REST request handed to a route. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  /** Parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
  readonly signal: AbortSignal;
  readonly values: ContextValues;
}

/** What a route answers: a JSON body by default, or raw bytes with a content type. */
export interface RestResponse {
  readonly status?: number;
  readonly json?: unknown;
  readonly raw?: { readonly contentType: string; readonly data: string | Uint8Array };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RestRoute {
  readonly method: "GET" | "POST";
  readonly path: string;
  /** Names the call for interceptors (auth, metrics); defaults to `rest` and the path. */
  readonly service?: string;
  readonly rpc?: string;
  /** Open routes (health, docs) skip the interceptor chain: no auth, no concurrency limit. */
  readonly open?: boolean;
  handler(request: RestRequest): Promise<RestResponse> | RestResponse;
}

export interface RestRouterOptions {
  readonly maxBodyBytes: number;
  readonly chain: () => readonly CallInterceptor[];
  readonly reportUnmapped: UnmappedErrorReporter;
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

function send(res: ServerResponse, response: RestResponse): void {
  const status = response.status ?? 200;
  const extra = response.headers ?? {};
  if (response.raw !== undefined) {
    res.writeHead(status, { "content-type": response.raw.contentType, ...extra });
    res.end(response.raw.data);
    return;
  }
  if (response.json === undefined) {
    res.writeHead(status, extra);
    res.end();
    return;
  }
  const body = JSON.stringify(response.json);
  res.writeHead(status, { "content-type": "application/json", ...extra });
  res.end(body);
}

/** Answers an error as JSON `{ "detail": message, "code": "not_found" }` with the matching status. */
export function sendError(res: ServerResponse, error: ConnectError): void {
  send(res, {
    status: httpStatusFromCode(error.code),
    json: { detail: error.rawMessage, code: codeName(error.code) },
  });
}

/** Routes plain HTTP/1.1 requests (Feast's REST paths, health, docs) by method and exact path. */
export class RestRouter {
  private readonly routes = new Map<string, Map<string, RestRoute>>();

  constructor(private readonly options: RestRouterOptions) {}

  add(route: RestRoute): void {
    let byMethod = this.routes.get(route.path);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(route.path, byMethod);
    }
    byMethod.set(route.method, route);
  }

  /** Handles one request; answers 404/405 for unknown paths and methods. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const byMethod = this.routes.get(url.pathname);
    if (byMethod === undefined) {
      sendError(res, new ConnectError(`No route for ${url.pathname}`, Code.NotFound));
      return;
    }
    const route = byMethod.get(req.method ?? "GET");
    if (route === undefined) {
      res.setHeader("allow", [...byMethod.keys()].join(", "));
      send(res, {
        status: 405,
        json: { detail: `Method ${req.method ?? ""} is not allowed on ${url.pathname}`, code: "method_not_allowed" },
      });
      return;
    }
    const controller = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) controller.abort();
    };
    res.once("close", onClose);
    const headers = headersOf(req);
    const call: CallInfo = {
      service: route.service ?? "rest",
      method: route.rpc ?? url.pathname,
      protocol: "rest",
      headers,
      signal: controller.signal,
      values: createContextValues(),
    };
    const chain = route.open === true ? [] : this.options.chain();
    let entered = 0;
    let failure: unknown;
    try {
      entered = await enterAll(chain, call);
      let body: unknown;
      if (req.method === "POST") {
        const bytes = await readBody(req, this.options.maxBodyBytes);
        if (bytes.length > 0) {
          try {
            body = JSON.parse(bytes.toString("utf8"));
          } catch {
            throw new ConnectError("The request body is not valid JSON", Code.InvalidArgument);
          }
        }
      }
      const response = await route.handler({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers,
        body,
        signal: controller.signal,
        values: call.values,
      });
      send(res, response);
    } catch (error) {
      failure = error;
      if (error instanceof BodyTooLargeError) {
        send(res, {
          status: 413,
          json: {
            detail: `The request body exceeds the limit of ${this.options.maxBodyBytes} bytes (maxMessageBytes)`,
            code: "resource_exhausted",
          },
          headers: { connection: "close" },
        });
      } else {
        sendError(res, toConnectError(error, this.options.reportUnmapped));
      }
    } finally {
      res.removeListener("close", onClose);
      exitAll(chain, entered, call, failure);
    }
  }
}
