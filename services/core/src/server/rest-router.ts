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

/** The request body (events, not an async iterator: that cost ≈ 2 µs a call). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        req.resume(); // drain the rest; the 413 goes out with connection: close
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Path and query of a request target; the URL parser only for targets a plain split would not read as it does. */
function splitTarget(target: string): { path: string; query: () => URLSearchParams } {
  const at = target.indexOf("?");
  const path = at < 0 ? target : target.slice(0, at);
  if (!/^\/[A-Za-z0-9_\-/]*$/.test(path)) {
    const url = new URL(target, "http://localhost");
    return { path: url.pathname, query: () => url.searchParams };
  }
  return { path, query: () => new URLSearchParams(at < 0 ? "" : target.slice(at + 1)) };
}

/**
 * A REST call's CallInfo: headers, signal, values and query are made when first read (most calls
 * read none of them), as the gRPC context does.
 */
class RestCall implements CallInfo {
  readonly protocol = "rest" as const;
  private headerMap: Headers | undefined;
  private controller: AbortController | undefined;
  private contextValues: ContextValues | undefined;
  private searchParams: URLSearchParams | undefined;
  private closed = false;

  constructor(
    private readonly req: IncomingMessage,
    readonly service: string,
    readonly method: string,
    readonly path: string,
    private readonly queryOf: () => URLSearchParams,
  ) {}

  get headers(): Headers {
    return (this.headerMap ??= headersOf(this.req));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.closed) this.controller.abort();
    }
    return this.controller.signal;
  }

  get values(): ContextValues {
    return (this.contextValues ??= createContextValues());
  }

  get query(): URLSearchParams {
    return (this.searchParams ??= this.queryOf());
  }

  /** The client went away before the answer was written: the signal aborts. */
  clientGone(): void {
    this.closed = true;
    this.controller?.abort();
  }
}

/** The route's view of a call: the HTTP method (CallInfo's `method` is the RPC name) and the parsed body. */
class RestCallRequest implements RestRequest {
  constructor(
    private readonly call: RestCall,
    readonly method: string,
    readonly body: unknown,
  ) {}

  get path(): string {
    return this.call.path;
  }

  get query(): URLSearchParams {
    return this.call.query;
  }

  get headers(): Headers {
    return this.call.headers;
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }

  get values(): ContextValues {
    return this.call.values;
  }
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
    const target = splitTarget(req.url ?? "/");
    const byMethod = this.routes.get(target.path);
    if (byMethod === undefined) {
      sendError(res, new ConnectError(`No route for ${target.path}`, Code.NotFound));
      return;
    }
    const route = byMethod.get(req.method ?? "GET");
    if (route === undefined) {
      res.setHeader("allow", [...byMethod.keys()].join(", "));
      send(res, {
        status: 405,
        json: { detail: `Method ${req.method ?? ""} is not allowed on ${target.path}`, code: "method_not_allowed" },
      });
      return;
    }
    const call = new RestCall(req, route.service ?? "rest", route.rpc ?? target.path, target.path, target.query);
    const onClose = (): void => {
      if (!res.writableFinished) call.clientGone();
    };
    res.once("close", onClose);
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
      const response = await route.handler(new RestCallRequest(call, req.method ?? "GET", body));
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
