import type { Logger } from "../logger.js";
import type { LarderServer } from "./server.js";

/**
 * Starts `server` and stops it gracefully on SIGTERM or SIGINT, then exits 0 (1 if shutdown threw).
 * For composition roots only: library code never touches the process.
 */
export async function serveUntilSignal(server: LarderServer, logger: Logger): Promise<{ host: string; port: number }> {
  const address = await server.listen();
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.shutdown().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return address;
}
