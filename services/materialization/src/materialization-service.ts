import { timestampDate, timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  MaterializationService,
  MaterializeResponse,
} from "@larder/gen/es/larder/materialization/v1/materialization_service_pb";
import { InvalidArgumentError, UnimplementedError, kPrincipal } from "@larder/core";
import { streamHistoricalFeatures, type HistoricalServiceDeps } from "./historical/historical-rpc.js";
import type { MaterializationJobs } from "./materialization-jobs.js";
import type { MaterializeRequest, ViewResult } from "./materialize.js";
import { authorizeHistoricalRead, authorizeMaterialize, type MaterializationGuard } from "./materialize-permission.js";

type Event = Omit<MaterializeResponse, "$typeName" | "$unknown">;

function msOf(ts: Timestamp | undefined, field: string): number {
  if (ts === undefined) throw new InvalidArgumentError(`${field} is required`);
  return timestampDate(ts).getTime();
}

/** Streams a run's events: progress per batch, each view's end, then the job's end. */
async function* streamRun(
  jobs: MaterializationJobs,
  request: MaterializeRequest,
  signal: AbortSignal,
): AsyncGenerator<Event> {
  const queue: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event): void => {
    queue.push(event);
    wake?.();
  };
  const started = Date.now();
  const windows = new Map<string, { startMs: number; endMs: number }>();
  const { jobId, done } = await jobs.start(
    request,
    {
      onViewStart: (view, startMs, endMs) => windows.set(view, { startMs, endMs }),
      onProgress: (view, rows) => {
        const w = windows.get(view);
        push({
          jobId: "",
          event: {
            case: "progress",
            value: {
              featureView: view,
              rowsWritten: BigInt(rows),
              rowsTotal: 0n,
              ...(w === undefined ? {} : { startTime: timestampFromMs(w.startMs), endTime: timestampFromMs(w.endMs) }),
            } as never,
          },
        });
      },
      onViewDone: (r: ViewResult) =>
        push({
          jobId: "",
          event: { case: "viewDone", value: { featureView: r.view, rowsWritten: BigInt(r.rows) } as never },
        }),
    },
    signal,
  );
  let finished = false;
  let failure: unknown;
  let total = 0;
  void done.then(
    (results) => {
      total = results.reduce((n, r) => n + r.rows, 0);
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      failure = error;
      finished = true;
      wake?.();
    },
  );
  for (;;) {
    const next = queue.shift();
    if (next !== undefined) {
      yield { ...next, jobId };
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error("materialization failed");
  yield {
    jobId,
    event: {
      case: "jobDone",
      value: { rowsWritten: BigInt(total), durationSeconds: (Date.now() - started) / 1000 } as never,
    },
  };
}

/** larder.materialization.v1.MaterializationService over a job runner (and, with `historical`, the offline store for GetHistoricalFeatures). */
export function createMaterializationService(
  jobs: MaterializationJobs,
  historical?: HistoricalServiceDeps,
  /** Enforces WRITE_ONLINE (materialize) and READ_OFFLINE (training data) when auth is on. */
  guard?: MaterializationGuard,
): ServiceImpl<typeof MaterializationService> {
  return {
    async *materialize(request, context) {
      const run: MaterializeRequest = {
        kind: "range",
        startMs: msOf(request.startTime, "start_time"),
        endMs: msOf(request.endTime, "end_time"),
        views: request.featureViews,
      };
      if (guard?.authz.enforcing === true) await authorizeMaterialize(guard, context.values.get(kPrincipal), jobs, run);
      yield* streamRun(jobs, run, context.signal) as AsyncGenerator<never>;
    },
    async *materializeIncremental(request, context) {
      const run: MaterializeRequest = {
        kind: "incremental",
        endMs: msOf(request.endTime, "end_time"),
        views: request.featureViews,
      };
      if (guard?.authz.enforcing === true) await authorizeMaterialize(guard, context.values.get(kPrincipal), jobs, run);
      yield* streamRun(jobs, run, context.signal) as AsyncGenerator<never>;
    },
    async *getHistoricalFeatures(request, context) {
      if (historical === undefined)
        throw new UnimplementedError("GetHistoricalFeatures needs an offline store; this server has none configured");
      if (guard?.authz.enforcing === true) {
        await authorizeHistoricalRead(guard, context.values.get(kPrincipal), request.kind);
      }
      yield* streamHistoricalFeatures(historical, request, context.signal) as AsyncGenerator<never>;
    },
  };
}
