// An online store plugin: every row in one JSON file. Small, readable, and complete: it implements the
// whole OnlineStore interface, so `larder apply`, `materialize`, `serve` and `push` work on it.
// Use it with:   online_store: { type: ./plugins/json-online-store.ts#JsonOnlineStore, path: data/online.json }
import { readFileSync } from "node:fs";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type {
  OnlineReadRequest,
  OnlineRow,
  OnlineStore,
  OnlineView,
  OnlineWriteResult,
  OnlineWriteRow,
} from "@larder/serving";

/** The plugin's own keys of `online_store` (everything but `type`). */
export interface JsonOnlineStoreOptions {
  /** The JSON file, relative to the repo. @default "data/online.json" */
  readonly path?: string;
}

/** What Larder passes every plugin besides its options. */
export interface PluginContext {
  readonly repoPath: string;
}

interface StoredRow {
  readonly eventTimeMs: number;
  /** Feature name → serialized larder.types.v1.Value, base64. */
  readonly values: Record<string, string>;
}

type Contents = Record<string, Record<string, StoredRow>>;

const viewKey = (view: OnlineView): string => `${view.project}/${view.name}`;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Online store in a JSON file; reloads the file when another process (a materialize run) changed it. */
export class JsonOnlineStore implements OnlineStore {
  readonly healthy = true;
  private readonly file: string;
  private contents: Contents = {};
  private loadedMtimeMs = -1;

  constructor(options: JsonOnlineStoreOptions, context: PluginContext) {
    if (options.path !== undefined && typeof options.path !== "string") {
      throw new Error("online_store.path must be a string");
    }
    const path = options.path ?? "data/online.json";
    this.file = isAbsolute(path) ? path : resolve(context.repoPath, path);
  }

  async ready(): Promise<void> {
    await this.reloadIfChanged();
  }

  async read(requests: readonly OnlineReadRequest[]): Promise<(OnlineRow | undefined)[][]> {
    await this.reloadIfChanged();
    return requests.map((request) => {
      const rows = this.contents[viewKey(request.view)] ?? {};
      return request.entityKeys.map((key) => {
        const stored = rows[hex(key)];
        if (stored === undefined) return undefined;
        const values = request.features.map((feature) => {
          const base64 = stored.values[feature];
          return base64 === undefined ? undefined : new Uint8Array(Buffer.from(base64, "base64"));
        });
        return { eventTimeMs: stored.eventTimeMs, values };
      });
    });
  }

  async write(view: OnlineView, rows: readonly OnlineWriteRow[]): Promise<OnlineWriteResult> {
    await this.reloadIfChanged();
    const table = (this.contents[viewKey(view)] ??= {});
    const result = { written: 0, skipped: 0 };
    for (const row of rows) {
      const key = hex(row.entityKey);
      const current = table[key];
      const defined = row.values.some((value) => value !== undefined);
      // Newest event wins; an equal or older event changes nothing (the interface's contract).
      if (!defined || (current !== undefined && current.eventTimeMs >= row.eventTimeMs)) {
        result.skipped++;
        continue;
      }
      const values: Record<string, string> = { ...current?.values };
      view.features.forEach((feature, i) => {
        const value = row.values[i];
        if (value !== undefined) values[feature] = Buffer.from(value).toString("base64");
      });
      table[key] = { eventTimeMs: row.eventTimeMs, values };
      result.written++;
    }
    await this.save();
    return result;
  }

  async deleteView(view: OnlineView): Promise<void> {
    await this.reloadIfChanged();
    delete this.contents[viewKey(view)];
    await this.save();
  }

  async teardown(views: readonly OnlineView[]): Promise<void> {
    for (const view of views) await this.deleteView(view);
  }

  async close(): Promise<void> {}

  private async reloadIfChanged(): Promise<void> {
    const info = await stat(this.file).catch(() => undefined);
    if (info === undefined || info.mtimeMs === this.loadedMtimeMs) return;
    this.contents = JSON.parse(readFileSync(this.file, "utf8")) as Contents;
    this.loadedMtimeMs = info.mtimeMs;
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const staging = `${this.file}.${process.pid}.tmp`;
    await writeFile(staging, JSON.stringify(this.contents));
    await rename(staging, this.file);
    this.loadedMtimeMs = (await stat(this.file)).mtimeMs;
  }
}
