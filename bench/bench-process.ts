// Child processes of the benchmarks: CPU pinning with taskset (optional), tracking so every child is
// killed at the end or on Ctrl-C, and bounded runs of load generators.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/..): children run from here so `--import tsx` resolves. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Core 0 runs the server under test; core 1 the load generator. */
export type Core = 0 | 1;

const children = new Set<ChildProcess>();
let pinning: boolean | undefined;

/** Whether a program is on the PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1" >/dev/null', "sh", name], { stdio: "ignore" }).status === 0;
}

/** Whether children can be pinned (taskset present, ≥ 2 cores); prints a warning once when not. */
export function pinningAvailable(): boolean {
  if (pinning !== undefined) return pinning;
  const cores = availableParallelism();
  if (!hasCommand("taskset")) {
    console.warn("warning: taskset not found (util-linux); server and load generator run unpinned");
    pinning = false;
  } else if (cores < 2) {
    console.warn(`warning: only ${cores} core available; server and load generator run unpinned`);
    pinning = false;
  } else {
    pinning = true;
  }
  return pinning;
}

function pinned(core: Core, command: string, args: readonly string[]): [string, string[]] {
  return pinningAvailable() ? ["taskset", ["-c", String(core), command, ...args]] : [command, [...args]];
}

/** `node --import tsx <script>` arguments (plus extra node flags). */
export function nodeScript(script: string, args: readonly string[], nodeFlags: readonly string[] = []): string[] {
  return [...nodeFlags, "--import", "tsx", join(REPO_ROOT, script), ...args];
}

/** Starts a tracked child on a core; stdout is piped, stderr kept for error messages. */
export function launch(core: Core, command: string, args: readonly string[]): ChildProcess {
  const [cmd, argv] = pinned(core, command, args);
  const child = spawn(cmd, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command on a core to completion, killing it past `timeoutMs`. */
export function runToEnd(core: Core, command: string, args: readonly string[], timeoutMs: number): Promise<Finished> {
  const child = launch(core, command, args);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} ran past ${timeoutMs} ms; killed.\n${stderr}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts a server child that prints `PORT <n>` on stdout once listening. */
export function startServer(
  core: Core,
  command: string,
  args: readonly string[],
  readyTimeoutMs = 30_000,
): Promise<Server> {
  const child = launch(core, command, args);
  let stderr = "";
  let stdout = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${why}: ${command} ${args.join(" ")}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no PORT line within ${readyTimeoutMs} ms`), readyTimeoutMs);
    child.once("exit", (code, signal) => fail(`exited early (code ${String(code)}, signal ${String(signal)})`));
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
      const match = /^PORT (\d+)$/m.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.once("exit", () => children.delete(child));
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      resolve({ child, port: Number(match[1]), stop: (graceMs = 3_000) => stopChild(child, graceMs) });
    });
  });
}

/** Stops every tracked child (SIGTERM, SIGKILL after the grace period). */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

/** Kills every tracked child at once (signal handlers). */
export function killAllNow(): void {
  for (const child of children) child.kill("SIGKILL");
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}
