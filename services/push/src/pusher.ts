import {
  Code,
  FailedPreconditionError,
  InvalidArgumentError,
  LarderError,
  UnavailableError,
  type Logger,
  type Telemetry,
} from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { ColumnBatch, OfflineStore } from "@larder/materialization";
import type { OnlineStore, OnlineView, OnlineWriteRow } from "@larder/serving";
import { encodeRows, type EncodedView } from "./encode-rows.js";
import type { InputTable } from "./input-table.js";
import type { OfflineBatcher } from "./offline-batcher.js";
import { PushPlans } from "./push-plan.js";
import { writeTarget } from "./push-targets.js";
import { TransformRunners, transformOnWrite } from "./transform-on-write.js";

export type PushTo = "online" | "offline" | "online_and_offline";

export const PUSH_MODES: readonly PushTo[] = ["online", "offline", "online_and_offline"];

export interface PushInput {
  readonly pushSourceName: string;
  readonly table: InputTable;
  readonly to: PushTo;
  readonly transformOnWrite: boolean;
  /** A repeated key returns the first successful result without writing again. */
  readonly idempotencyKey?: string | undefined;
  /** Queue the offline part when batching is on (REST, as Feast). */
  readonly allowBatching?: boolean;
}

export interface PushResult {
  readonly rows: number;
  readonly featureViews: readonly string[];
  readonly rowsWrittenOnline: number;
  readonly rowsWrittenOffline: number;
  /** Rows per view written (online, or offline when pushed offline only). */
  readonly perView: Readonly<Record<string, number>>;
  /** The offline part was queued to the batcher, not yet durable. */
  readonly queuedOffline: boolean;
}

export interface PusherDeps {
  readonly project: string;
  /** The current registry snapshot (from the server's snapshot cache). */
  readonly registry: () => Registry;
  readonly online?: OnlineStore | undefined;
  readonly offline?: OfflineStore | undefined;
  readonly transformTimeoutMs: number;
  readonly logger: Logger;
  readonly batcher?: OfflineBatcher | undefined;
  /** Counts pushes (`feast_push_request_total`) when metrics are on. */
  readonly telemetry?: Telemetry | undefined;
}

const PASS_THROUGH = new Set<Code>([Code.InvalidArgument, Code.FailedPrecondition, Code.NotFound]);
const MAX_REMEMBERED_KEYS = 10_000;

/** Parses a push mode name; anything else is INVALID_ARGUMENT. */
export function parsePushMode(to: unknown): PushTo {
  if (to === undefined || to === null) return "online";
  if (typeof to === "string" && (PUSH_MODES as readonly string[]).includes(to)) return to as PushTo;
  throw new InvalidArgumentError(`to: expected one of online, offline, online_and_offline, got ${JSON.stringify(to)}`);
}

/** A write failure as the client sees it: bad input passes through, anything else is UNAVAILABLE (retry). */
function failure(error: unknown, what: string): LarderError {
  if (error instanceof LarderError && PASS_THROUGH.has(error.code)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`${what} failed, nothing acknowledged; retry the same rows: ${reason}`, { cause: error });
}

/** Writes pushed rows to the online and offline stores: validates everything first, acknowledges after both are durable. */
export class Pusher {
  private readonly runners: TransformRunners;
  private readonly plans: PushPlans;
  private readonly remembered = new Map<string, Promise<PushResult>>();
  /** Tail of the appends per batch source: appends to one source run one at a time (no race on dedup or files). */
  private readonly appendTails = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: PusherDeps) {
    this.runners = new TransformRunners(deps.transformTimeoutMs);
    this.plans = new PushPlans(deps.project);
  }

  push(input: PushInput): Promise<PushResult> {
    const key = input.idempotencyKey;
    if (key === undefined || key === "") return this.pushOnce(input);
    const scoped = `${input.pushSourceName}\u0000${key}`;
    const known = this.remembered.get(scoped);
    if (known !== undefined) return known;
    const result = this.pushOnce(input);
    this.remembered.set(scoped, result);
    if (this.remembered.size > MAX_REMEMBERED_KEYS) this.remembered.delete(this.remembered.keys().next().value!);
    result.catch(() => this.remembered.delete(scoped));
    return result;
  }

  private async pushOnce(input: PushInput): Promise<PushResult> {
    const plan = this.plans.get(this.deps.registry(), input.pushSourceName);
    this.deps.telemetry?.notePush(input.pushSourceName, input.to);
    const online = input.to !== "offline";
    const offline = input.to !== "online";
    if (input.table.rowCount === 0) {
      return {
        rows: 0,
        featureViews: plan.viewNames,
        rowsWrittenOnline: 0,
        rowsWrittenOffline: 0,
        perView: {},
        queuedOffline: false,
      };
    }
    const onlineStore = online ? this.requireOnline() : undefined;
    const offlineStore = offline ? this.requireOffline() : undefined;
    const transform = online && input.transformOnWrite && plan.transforms.length > 0;
    // Validate and encode every view before writing anything; build only what the stores written need.
    const encoded = new Map<string, EncodedView>();
    for (const target of plan.targets) {
      const needs = { online, offline, values: transform && plan.transformInputs.has(target.name) };
      encoded.set(target.name, encodeRows(input.table, target, needs));
    }
    const transforms = transform
      ? plan.transforms.map((odfv) =>
          transformOnWrite(this.deps.project, odfv, this.runners.get(odfv), input.table, encoded),
        )
      : [];
    const perView: Record<string, number> = {};
    let rowsWrittenOnline = 0;
    let rowsWrittenOffline = 0;
    let queuedOffline = false;
    const tasks: Promise<void>[] = [];
    if (onlineStore !== undefined) {
      const writes: Promise<void>[] = [];
      const write = async (view: OnlineView, rows: readonly OnlineWriteRow[]): Promise<void> => {
        const { written } = await onlineStore.write(view, rows);
        perView[view.name] = written;
        rowsWrittenOnline += written;
      };
      for (const e of encoded.values()) writes.push(write(e.target.online, e.online));
      for (const t of transforms) writes.push(write(t.view, t.rows));
      const all = writes.length === 1 ? writes[0]! : Promise.all(writes);
      tasks.push(
        all.then(
          () => undefined,
          (error: unknown) => Promise.reject(failure(error, "The online write")),
        ),
      );
    }
    if (offlineStore !== undefined) {
      const batches = offlineBatches([...encoded.values()], input.table.rowCount);
      if (input.allowBatching === true && this.deps.batcher !== undefined) {
        for (const { source, batch } of batches) this.deps.batcher.enqueue(source, batch);
        queuedOffline = true;
      } else {
        tasks.push(
          Promise.all(batches.map(({ source, batch }) => this.appendInTurn(offlineStore, source, batch))).then(
            (results) => {
              rowsWrittenOffline = results.reduce((n, r) => n + r.appended, 0);
              if (!online) for (const e of encoded.values()) perView[e.target.name] = input.table.rowCount;
            },
            (error: unknown) => Promise.reject(failure(error, "The offline append")),
          ),
        );
      }
    }
    if (tasks.length === 1) await tasks[0];
    else {
      const settled = await Promise.allSettled(tasks);
      const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (rejected !== undefined) throw rejected.reason;
    }
    return {
      rows: input.table.rowCount,
      featureViews: plan.viewNames,
      rowsWrittenOnline,
      rowsWrittenOffline,
      perView,
      queuedOffline,
    };
  }

  /** Writes rows straight into one view's online table (an on-demand view runs its transform first, if asked). */
  async writeToOnlineStore(viewName: string, table: InputTable, transform: boolean): Promise<number> {
    const registry = this.deps.registry();
    const target = writeTarget(registry, this.deps.project, viewName);
    const store = this.requireOnline();
    if (table.rowCount === 0) return 0;
    if ("view" in target) {
      const encoded = encodeRows(table, target.view, { online: true, offline: false, values: false });
      try {
        return (await store.write(target.view.online, encoded.online)).written;
      } catch (error) {
        throw failure(error, "The online write");
      }
    }
    const odfv = target.odfv;
    if (!transform) {
      throw new InvalidArgumentError(
        `transform_on_write: "${viewName}" is an on demand feature view; set transform_on_write to true to compute its features`,
      );
    }
    const sources = new Map<string, EncodedView>();
    for (const source of Object.values(odfv.spec?.sources ?? {})) {
      const s = source.source;
      const name =
        s.case === "featureView"
          ? s.value.spec?.name
          : s.case === "featureViewProjection"
            ? s.value.featureViewName
            : undefined;
      if (name === undefined || sources.has(name)) continue;
      const view = writeTarget(registry, this.deps.project, name);
      if ("view" in view)
        sources.set(name, encodeRows(table, view.view, { online: false, offline: false, values: true }));
    }
    const rows = transformOnWrite(this.deps.project, odfv, this.runners.get(odfv), table, sources);
    try {
      return (await store.write(rows.view, rows.rows)).written;
    } catch (error) {
      throw failure(error, "The online write");
    }
  }

  private appendInTurn(store: OfflineStore, source: DataSource, batch: ColumnBatch): Promise<{ appended: number }> {
    const key = `${source.project}\u0000${source.name}`;
    const previous = this.appendTails.get(key) ?? Promise.resolve();
    const run = previous.then(() => store.append(source, batch));
    const tail = run.catch(() => undefined);
    this.appendTails.set(key, tail);
    void tail.then(() => {
      if (this.appendTails.get(key) === tail) this.appendTails.delete(key);
    });
    return run;
  }

  private requireOnline(): OnlineStore {
    if (this.deps.online === undefined) throw new FailedPreconditionError("This server has no online store to push to");
    return this.deps.online;
  }

  private requireOffline(): OfflineStore {
    if (this.deps.offline === undefined)
      throw new FailedPreconditionError("This server has no offline store to push to");
    return this.deps.offline;
  }
}

/** One append per batch source: the union of the columns its views need. */
function offlineBatches(
  views: readonly EncodedView[],
  rowCount: number,
): Array<{ source: DataSource; batch: ColumnBatch }> {
  const bySource = new Map<string, { source: DataSource; columns: Map<string, readonly unknown[]> }>();
  for (const view of views) {
    const source = view.target.batchSource;
    if (source === undefined) {
      throw new FailedPreconditionError(
        `Feature view "${view.target.name}" has no batch source to append offline rows to`,
      );
    }
    const entry = bySource.get(source.name) ?? { source, columns: new Map() };
    for (const [name, values] of view.offline) entry.columns.set(name, values);
    bySource.set(source.name, entry);
  }
  return [...bySource.values()].map(({ source, columns }) => ({ source, batch: { rowCount, columns } }));
}
