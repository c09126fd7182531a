import { ConfigError, type BatchEngineConfig, type Logger } from "@larder/core";
import type { OnlineStore } from "@larder/serving";
import type { OfflineStore } from "../../offline-store/offline-store.js";
import { createLocalEngine, type BatchEngine } from "../local-engine.js";
import { createBullmqEngine } from "./bullmq-engine.js";

/** A batch engine with whatever it holds open. */
export interface OpenBatchEngine {
  readonly engine: BatchEngine;
  close(): Promise<void>;
}

/** The engine `batch_engine` names: local (in this process) or bullmq (shards on `larder worker` processes). */
export function engineForConfig(
  config: BatchEngineConfig,
  deps: { project: string; offline: OfflineStore; online: OnlineStore; logger?: Logger },
): OpenBatchEngine {
  if (config.type === "bullmq") {
    const engine = createBullmqEngine({
      config,
      project: deps.project,
      ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    });
    return { engine, close: () => engine.close() };
  }
  if (config.type === "local") return { engine: createLocalEngine(deps.offline, deps.online), close: async () => {} };
  throw new ConfigError(`batch_engine.type ${JSON.stringify(config.module)} is not supported yet`);
}
