import { rmSync } from "node:fs";
import { PID_DIR, reapAll } from "./reaper.js";

/** Shares one pid directory with all workers and reaps whatever tests left running. */
export default function setup(): () => void {
  process.env.LARDER_TEST_PID_DIR = PID_DIR;
  return () => {
    const killed = reapAll(PID_DIR);
    if (killed.length > 0) console.warn(`reaped ${killed.length} process(es) left by tests:\n${killed.join("\n")}`);
    rmSync(PID_DIR, { recursive: true, force: true });
  };
}
