import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Logger } from "@larder/core";
import { UnavailableError } from "@larder/core";
import type { RegistryApi } from "./registry-api.js";

export interface SnapshotCacheOptions {
  /** How often the version is polled. @default 5000 */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Keeps a registry snapshot in memory for servers: polls the cheap version in the background, swaps
 * in a new snapshot atomically when it moves, never touches the registry on the request path, and
 * keeps serving the last good snapshot while the registry is unreachable.
 */
export class SnapshotCache {
  private snapshot: Registry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private listeners = new Set<(registry: Registry) => void>();
  private polling: Promise<void> | undefined;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly api: RegistryApi,
    private readonly options: SnapshotCacheOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
  }

  /** Loads the first snapshot (retrying until `timeoutMs`) and starts polling. */
  async start(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.refresh();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    this.schedule();
  }

  /** The current snapshot; throws UNAVAILABLE until the first load succeeded. */
  current(): Registry {
    if (this.snapshot === undefined) throw new UnavailableError("The registry snapshot is not loaded yet");
    return this.snapshot;
  }

  /** True after the first load, and while the last poll reached the registry. */
  get healthy(): boolean {
    return this.snapshot !== undefined && !this.failing;
  }

  get ready(): boolean {
    return this.snapshot !== undefined;
  }

  onChange(listener: (registry: Registry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls once now: reloads the snapshot if the version moved. */
  async refresh(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const { version } = await this.api.version();
        if (this.snapshot === undefined || this.snapshot.version !== version) {
          const next = await this.api.snapshot();
          this.snapshot = next;
          for (const listener of this.listeners) listener(next);
          this.options.logger?.info({ version: String(next.version) }, "registry snapshot updated");
        }
        if (this.failing) this.options.logger?.info("registry reachable again");
        this.failing = false;
      } catch (error) {
        if (!this.failing) {
          this.options.logger?.warn({ err: error }, "registry unreachable; serving the last good snapshot");
        }
        this.failing = true;
        throw error;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.refresh()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.schedule();
        });
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
