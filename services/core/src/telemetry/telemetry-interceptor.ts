import { performance } from "node:perf_hooks";
import { Code, createContextKey } from "@connectrpc/connect";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { kPrincipal } from "../auth/principal.js";
import type { Logger } from "../logger.js";
import type { CallInfo, CallInterceptor, CallProtocol } from "../server/interceptor.js";
import { callScopes, type CallScope } from "./call-scope.js";
import { codeOf, statusName } from "./call-outcome.js";
import type { LarderMetrics } from "./larder-metrics.js";
import { kRequestId, requestIdFrom } from "./request-id.js";

const kStartedAt = createContextKey<number>(0, { description: "larder call start" });
const kScope = createContextKey<CallScope | undefined>(undefined, { description: "larder call scope" });
/** Set by the admission marker, which runs after the concurrency limit: a call without it was shed. */
const kAdmitted = createContextKey<boolean>(false, { description: "larder call admitted" });

/** OpenTelemetry's `rpc.system.name` per wire (`connect_rpc` is the registered value for Connect). */
const RPC_SYSTEM: Readonly<Record<CallProtocol, string>> = {
  grpc: "grpc",
  connect: "connect_rpc",
  "grpc-web": "grpc_web",
  rest: "http",
};

/** Feast's `endpoint` label for its REST paths; other calls use `/service/method`. */
const FEAST_PATHS: Readonly<Record<string, string>> = {
  GetOnlineFeatures: "/get-online-features",
  Push: "/push",
  WriteToOnlineStore: "/write-to-online-store",
  Materialize: "/materialize",
  MaterializeIncremental: "/materialize-incremental",
};

export interface TelemetryInterceptorOptions {
  readonly metrics: LarderMetrics | undefined;
  /** Names the active span after the RPC and tags it (tracing on). */
  readonly tracing: boolean;
  /** Writes one audit line per call (who, which RPC, views, entity count, status, latency). */
  readonly audit: Logger | undefined;
}

export interface TelemetryInterceptors {
  /** Goes first in the chain (before the concurrency limit), so shed calls are measured too. */
  readonly outer: CallInterceptor;
  /** Goes last: marks calls that passed the concurrency limit. */
  readonly admission: CallInterceptor;
  /** Calls being handled now. */
  readonly inFlight: () => number;
}

/** Records RPC metrics, names server spans and writes audit lines around every call. */
export function createTelemetryInterceptors(options: TelemetryInterceptorOptions): TelemetryInterceptors {
  const { metrics, tracing, audit } = options;
  let inFlight = 0;
  const outer: CallInterceptor = {
    name: "telemetry",
    enter(call: CallInfo) {
      inFlight++;
      call.values.set(kStartedAt, performance.now());
      if (audit !== undefined || tracing) call.values.set(kRequestId, requestIdFrom(call.headers));
      if (audit !== undefined) {
        const scope: CallScope = { featureViews: undefined, entityCount: 0 };
        call.values.set(kScope, scope);
        callScopes.enterWith(scope);
      }
      if (tracing) {
        const span = trace.getActiveSpan();
        if (span !== undefined) {
          // Names the HTTP/1.1 span after the RPC (gRPC spans are named so already; Feast's alias path keeps its own).
          if (call.protocol !== "grpc") span.updateName(`${call.service}/${call.method}`);
          span.setAttributes({
            "rpc.system.name": RPC_SYSTEM[call.protocol],
            "rpc.method": `${call.service}/${call.method}`,
            "larder.request_id": call.values.get(kRequestId),
          });
        }
      }
    },
    exit(call: CallInfo, error: unknown) {
      inFlight--;
      const seconds = (performance.now() - call.values.get(kStartedAt)) / 1000;
      const code = codeOf(error);
      const status = statusName(code);
      const rpc = `${call.service}/${call.method}`;
      if (metrics !== undefined) {
        metrics.rpcDuration.observe([RPC_SYSTEM[call.protocol], rpc, status], seconds);
        if (metrics.categories.request) {
          const endpoint = (call.protocol === "rest" ? FEAST_PATHS[call.method] : undefined) ?? `/${rpc}`;
          metrics.requestTotal.inc([endpoint, code === 0 ? "success" : "error"]);
          metrics.requestLatency.observe([endpoint], seconds);
        }
        if (metrics.categories.onlineFeatures && call.method === "GetOnlineFeatures") metrics.onlineRequestTotal.inc();
        if (code === Code.ResourceExhausted && !call.values.get(kAdmitted)) metrics.loadShed.inc();
      }
      if (tracing && code !== 0 && call.protocol !== "grpc") {
        trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: status });
      }
      if (audit !== undefined) {
        const scope = call.values.get(kScope);
        const principal = call.values.get(kPrincipal);
        audit.info(
          {
            request_id: call.values.get(kRequestId),
            principal: principal.username,
            auth: principal.source,
            rpc,
            protocol: call.protocol,
            feature_views: scope?.featureViews === undefined ? [] : [...scope.featureViews],
            entity_count: scope?.entityCount ?? 0,
            status,
            latency_ms: Math.round(seconds * 1e6) / 1e3,
          },
          "call",
        );
      }
    },
  };
  const admission: CallInterceptor = {
    name: "telemetry-admission",
    enter(call: CallInfo) {
      call.values.set(kAdmitted, true);
    },
  };
  return { outer, admission, inFlight: () => inFlight };
}
