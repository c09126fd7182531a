import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as net from "node:net";
import * as tls from "node:tls";
import type { Duplex } from "node:stream";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { Health } from "@larder/gen/es/grpc/health/v1/health_pb";
import { HEALTH_ROUTE_DOC, mountDocs } from "../docs/mount-docs.js";
import type { RestRouteDoc } from "../docs/openapi.js";
import type { Logger } from "../logger.js";
import { createConcurrencyLimit } from "./concurrency-limit.js";
import { registerGrpcService, type GrpcRegistration, type RequestDecoders } from "./grpc-adapter.js";
import { createHealthService, HealthRegistry, ServingStatus } from "./health.js";
import type { HttpWrapper } from "../telemetry/http-tracing.js";
import type { CallInterceptor } from "./interceptor.js";
import { RestRouter, type RestRoute } from "./rest-router.js";
import { validateServerOptions, type ServerOptions, type ServerOptionsInput } from "./server-options.js";
import { wrapService, type WrappedService } from "./wrap-service.js";

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

/** One port for gRPC (HTTP/2, grpc-js) and REST/Connect JSON (HTTP/1.1), with health and shutdown. */
export interface LarderServer {
  readonly options: ServerOptions;
  readonly health: HealthRegistry;
  /** Serves `impl` over gRPC and Connect; marks it SERVING in health once listening. */
  addService<D extends DescService>(
    service: D,
    impl: Partial<ServiceImpl<D>>,
    aliases?: readonly GrpcRegistration[],
    options?: AddServiceOptions,
  ): void;
  addRoute(route: RestRoute): void;
  /** Lists a REST route in the OpenAPI document served at `/openapi.json` and `/docs`. */
  describeRoute(doc: RestRouteDoc): void;
  /**
   * Appends an interceptor (auth, telemetry) that runs for every non-health call on every protocol;
   * `first` puts it ahead of the concurrency limit (telemetry, to see shed calls).
   */
  addInterceptor(interceptor: CallInterceptor, options?: { readonly first?: boolean }): void;
  /** Runs every HTTP/1.1 request (Connect, REST) through `wrapper` (telemetry: a span around the call). */
  wrapHttp(wrapper: HttpWrapper): void;
  /** Runs after in-flight calls finished during shutdown (close pools, flush queues). */
  onClose(hook: () => Promise<void> | void): void;
  listen(): Promise<{ host: string; port: number }>;
  /** Health NOT_SERVING, stop accepting, let in-flight calls finish within the grace period, close. */
  shutdown(): Promise<void>;
  readonly inFlight: number;
}

export interface AddServiceOptions {
  /** gRPC request decoders replacing the generated one for some methods (hot paths). */
  readonly requestDecoders?: RequestDecoders;
}

function startsLikeHttp2(chunk: Buffer): boolean {
  const n = Math.min(chunk.length, HTTP2_PREFACE.length);
  return n > 0 && chunk.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
}

export function createServer(input: ServerOptionsInput, logger: Logger): LarderServer {
  const options = validateServerOptions(input);
  const health = new HealthRegistry();
  const limit = createConcurrencyLimit(options.maxConcurrentCalls);
  const interceptors: CallInterceptor[] = [limit];
  const chain = (): readonly CallInterceptor[] => interceptors;
  const reportUnmapped = (error: unknown): void => logger.error({ err: error }, "unmapped error answered as INTERNAL");
  const shutdownController = new AbortController();
  // Every call in flight listens to the shutdown signal; hundreds at once are expected, not a leak.
  setMaxListeners(0, shutdownController.signal);
  const closeHooks: Array<() => Promise<void> | void> = [];
  const services: Array<{
    desc: DescService;
    wrapped: WrappedService;
    aliases: readonly GrpcRegistration[];
    decoders?: RequestDecoders | undefined;
  }> = [];
  const rest = new RestRouter({ maxBodyBytes: options.maxMessageBytes, chain, reportUnmapped });
  const routeDocs: RestRouteDoc[] = [HEALTH_ROUTE_DOC];

  const grpcOptions: grpc.ServerOptions = {
    "grpc.max_receive_message_length": options.maxMessageBytes,
    ...(options.maxConnectionAgeMs > 0
      ? {
          "grpc.max_connection_age_ms": options.maxConnectionAgeMs,
          "grpc.max_connection_age_grace_ms": options.shutdownGraceMs,
        }
      : {}),
  };
  const grpcServer = new grpc.Server(grpcOptions);
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());

  const healthImpl = createHealthService(health);
  services.push({ desc: Health, wrapped: wrapService(Health, healthImpl, () => [], reportUnmapped), aliases: [] });

  rest.add({
    method: "GET",
    path: "/health",
    open: true,
    handler: () =>
      health.serving ? { status: 200, json: { status: "SERVING" } } : { status: 503, json: { status: "NOT_SERVING" } },
  });

  let httpServer: http.Server | undefined;
  let listener: net.Server | undefined;
  const sockets = new Set<Duplex>();
  // HTTP/1.1 connections and their requests in flight: the http server never listens itself, so its
  // own closeIdleConnections() does not track them.
  const http1Requests = new Map<Duplex, number>();
  let closing = false;
  let httpWrapper: HttpWrapper | undefined;
  let shuttingDown: Promise<void> | undefined;

  function closeIdleHttp1(): void {
    for (const [socket, active] of http1Requests) if (active === 0) socket.end();
  }

  function route(socket: Duplex): void {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    if (socket instanceof tls.TLSSocket && socket.alpnProtocol === "h2") {
      injector.injectConnection(socket);
      return;
    }
    // Peek at the first bytes: HTTP/2's preface goes to grpc-js, anything else to the HTTP/1.1 server.
    // Both servers read bytes pushed back with unshift() before consuming the socket themselves.
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (startsLikeHttp2(chunk)) {
        injector.injectConnection(socket);
      } else {
        http1Requests.set(socket, 0);
        socket.once("close", () => http1Requests.delete(socket));
        httpServer?.emit("connection", socket);
        socket.resume();
      }
    });
  }

  return {
    options,
    health,
    get inFlight() {
      return limit.inFlight;
    },
    addService(desc, impl, aliases = [], serviceOptions = {}) {
      const decoders = serviceOptions.requestDecoders;
      services.push({ desc, wrapped: wrapService(desc, impl, chain, reportUnmapped), aliases, decoders });
    },
    addRoute(r) {
      rest.add(r);
    },
    describeRoute(doc) {
      routeDocs.push(doc);
    },
    addInterceptor(interceptor, position) {
      if (position?.first === true) interceptors.unshift(interceptor);
      else interceptors.push(interceptor);
    },
    wrapHttp(wrapper) {
      httpWrapper = wrapper;
    },
    onClose(hook) {
      closeHooks.push(hook);
    },
    async listen() {
      for (const { desc, wrapped, aliases, decoders } of services) {
        const signal = shutdownController.signal;
        registerGrpcService(grpcServer, desc, wrapped, signal, {}, decoders);
        for (const alias of aliases) registerGrpcService(grpcServer, desc, wrapped, signal, alias, decoders);
      }
      // API docs (src/docs): /openapi.json and /docs, open like /health, from what is registered by now.
      mountDocs((r) => rest.add(r), { services: services.map((s) => s.desc), routes: routeDocs });
      const connectHandler = connectNodeAdapter({
        routes: (router) => {
          for (const { desc, wrapped } of services) router.service(desc, wrapped as never);
        },
        readMaxBytes: options.maxMessageBytes,
        // An unknown JSON field is a client mistake worth a clear INVALID_ARGUMENT, not silence.
        jsonOptions: { ignoreUnknownFields: false },
        shutdownSignal: shutdownController.signal,
        fallback: (req, res) => {
          void rest.handle(req as http.IncomingMessage, res as http.ServerResponse);
        },
      });
      httpServer = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
        const socket = req.socket;
        http1Requests.set(socket, (http1Requests.get(socket) ?? 0) + 1);
        if (closing) res.setHeader("connection", "close");
        res.once("close", () => {
          const active = (http1Requests.get(socket) ?? 1) - 1;
          http1Requests.set(socket, active);
          if (closing && active === 0) socket.end();
        });
        if (httpWrapper === undefined) connectHandler(req, res);
        else httpWrapper(req, res, () => connectHandler(req, res));
      });
      httpServer.on("clientError", (_error, socket) => {
        if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
        else socket.destroy();
      });
      if (options.tls !== undefined) {
        const t = options.tls;
        listener = tls.createServer(
          {
            key: t.keyPem,
            cert: t.certPem,
            ALPNProtocols: ["h2", "http/1.1"],
            ...(t.caPem === undefined ? {} : { ca: t.caPem }),
            requestCert: t.requireClientCert === true,
            rejectUnauthorized: t.requireClientCert === true,
          },
          (socket) => route(socket),
        );
      } else {
        listener = net.createServer((socket) => route(socket));
      }
      const server = listener;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
          server.removeListener("error", reject);
          resolve();
        });
      });
      health.set("", ServingStatus.SERVING);
      for (const { desc } of services) if (desc !== Health) health.set(desc.typeName, ServingStatus.SERVING);
      const address = server.address() as net.AddressInfo;
      logger.info({ host: address.address, port: address.port, tls: options.tls !== undefined }, "listening");
      return { host: address.address, port: address.port };
    },
    shutdown() {
      shuttingDown ??= (async () => {
        health.shutdown();
        closing = true;
        if (options.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
        listener?.close();
        // GOAWAY on every HTTP/2 session; in-flight streams go on until they finish or the grace ends.
        injector.drain(options.shutdownGraceMs);
        closeIdleHttp1();
        const deadline = Date.now() + options.shutdownGraceMs;
        const grace = new Promise<"timeout">((resolve) =>
          setTimeout(() => resolve("timeout"), options.shutdownGraceMs).unref(),
        );
        const outcome = await Promise.race([limit.idle().then(() => "idle" as const), grace]);
        if (outcome === "timeout") {
          logger.warn({ inFlight: limit.inFlight }, "shutdown grace period over; cutting calls in flight");
        } else {
          // Handlers are done; let responses flush and connections close on their own (HTTP/2 closes
          // after GOAWAY once its streams end; idle HTTP/1.1 keep-alive connections are closed here).
          while (sockets.size > 0 && Date.now() < deadline) {
            closeIdleHttp1();
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        shutdownController.abort();
        injector.destroy();
        for (const socket of sockets) socket.destroy();
        for (const hook of closeHooks) {
          try {
            await hook();
          } catch (error) {
            logger.error({ err: error }, "close hook failed");
          }
        }
        logger.info("stopped");
      })();
      return shuttingDown;
    },
  };
}
