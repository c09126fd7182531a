import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Every process a test spawns is recorded here (one file per pid). The global teardown, which runs in
 * vitest's main process even when a worker crashed, kills whatever is still recorded.
 */
export const PID_DIR = process.env.LARDER_TEST_PID_DIR ?? join(tmpdir(), `larder-test-pids-${process.pid}`);

export function recordPid(pid: number, what: string): void {
  mkdirSync(PID_DIR, { recursive: true });
  writeFileSync(join(PID_DIR, String(pid)), what);
}

export function forgetPid(pid: number): void {
  rmSync(join(PID_DIR, String(pid)), { force: true });
}

/** Kills every recorded process (SIGKILL) and its process group; returns what was killed. */
export function reapAll(dir = PID_DIR): string[] {
  const killed: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return killed;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    let what = "";
    try {
      what = readFileSync(join(dir, entry), "utf8");
    } catch {
      // gone meanwhile
    }
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
        killed.push(`${pid} ${what}`);
        break;
      } catch {
        // not running
      }
    }
    rmSync(join(dir, entry), { force: true });
  }
  return killed;
}
