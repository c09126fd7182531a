import { createPluginInstance, type BatchEngineConfig, type Logger } from "@larder/core";
import type { OnlineStore } from "@larder/serving";
import type { OfflineStore } from "../../offline-store/offline-store.js";
import { createLocalEngine, type BatchEngine } from "../local-engine.js";
import { createBullmqEngine } from "./bullmq-engine.js";

/** A batch engine with whatever it holds open. */
export interface OpenBatchEngine {
  readonly engine: BatchEngine;
  close(): Promise<void>;
}

/** The engine `batch_engine` names: local (in this process), bullmq (shards on `larder worker` processes), or a plugin. */
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
  // A plugin engine: `new Export(options, { project, offline, online, logger })`, checked for materializeView();
  // its optional close() runs when the server or command ends.
  const engine = createPluginInstance<BatchEngine & { close?: () => Promise<void> }>("batch_engine", config, {
    ...deps,
  });
  return { engine, close: async () => engine.close?.() };
}
