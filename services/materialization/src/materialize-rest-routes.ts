import { AbortedError, InvalidArgumentError, kPrincipal, parseTimestamp, type RestRoute } from "@larder/core";
import type { MaterializationJobs } from "./materialization-jobs.js";
import type { MaterializeRequest } from "./materialize.js";
import { authorizeMaterialize, type MaterializationGuard } from "./materialize-permission.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function timeMs(value: unknown, field: string): number {
  if (typeof value !== "string" || value === "") throw new InvalidArgumentError(`${field}: required, an ISO 8601 time`);
  const { seconds, nanos } = parseTimestamp(value, field);
  return Number(seconds) * 1000 + Math.floor(nanos / 1e6);
}

function viewsOf(body: Record<string, unknown>): string[] {
  const views = body.feature_views ?? [];
  if (!Array.isArray(views) || views.some((v) => typeof v !== "string")) {
    throw new InvalidArgumentError("feature_views: expected a list of feature view names");
  }
  return views as string[];
}

/** Feast's POST /materialize and /materialize-incremental, with `?async=true` and the 409 for a busy view. */
export function materializeRestRoutes(jobs: MaterializationJobs, guard?: MaterializationGuard): RestRoute[] {
  const route = (
    path: string,
    rpc: string,
    parse: (body: Record<string, unknown>) => MaterializeRequest,
  ): RestRoute => ({
    method: "POST",
    path,
    service: "larder.materialization.v1.MaterializationService",
    rpc,
    async handler(request) {
      if (!isRecord(request.body)) throw new InvalidArgumentError("body: expected a JSON object");
      const parsed = parse(request.body);
      if (guard?.authz.enforcing === true)
        await authorizeMaterialize(guard, request.values.get(kPrincipal), jobs, parsed);
      let run;
      try {
        run = await jobs.start(parsed);
      } catch (error) {
        if (error instanceof AbortedError) {
          return { status: 409, json: { error: error.message, feature_views: parsed.views } };
        }
        throw error;
      }
      if (request.query.get("async") === "true") {
        run.done.catch(() => undefined);
        return { status: 202, json: { status: "accepted", feature_views: run.views, job_id: run.jobId } };
      }
      await run.done;
      return { status: 200, json: null };
    },
  });
  return [
    route("/materialize", "Materialize", (body) => {
      const views = viewsOf(body);
      if (body.disable_event_timestamp === true) return { kind: "range", startMs: 0, endMs: Date.now(), views };
      return { kind: "range", startMs: timeMs(body.start_ts, "start_ts"), endMs: timeMs(body.end_ts, "end_ts"), views };
    }),
    route("/materialize-incremental", "MaterializeIncremental", (body) => ({
      kind: "incremental",
      endMs: timeMs(body.end_ts, "end_ts"),
      views: viewsOf(body),
    })),
  ];
}
