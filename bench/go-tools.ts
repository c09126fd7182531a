// Go helpers of the serving benchmark (bench/go/): the fixed-rate gRPC client and the grpc-go echo server
// that measures the method's own latency floor. Built offline in GOPATH mode against Debian's
// golang-google-grpc-dev and golang-google-protobuf-dev (/usr/share/gocode), as scripts/generate-sdks.sh
// builds the Go SDK. Without them the benchmark falls back to the Node client and says so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, hasCommand } from "./bench-process.js";

const GOCODE = "/usr/share/gocode";
const TOOLS = ["fixedrate", "echo"] as const;

export type GoTools = { readonly [K in (typeof TOOLS)[number]]: string };

/** Builds bench/go/* into `outDir`; returns the binaries, or why they could not be built. */
export function buildGoTools(outDir: string): GoTools | { readonly unavailable: string } {
  if (!hasCommand("go")) return { unavailable: "no Go toolchain (apt-get install golang-go)" };
  if (!existsSync(join(GOCODE, "src/google.golang.org/grpc"))) {
    return { unavailable: "no offline grpc-go (apt-get install golang-google-grpc-dev golang-google-protobuf-dev)" };
  }
  const gopath = mkdtempSync(join(tmpdir(), "larder-bench-gopath-"));
  try {
    mkdirSync(join(gopath, "src/larderbench"), { recursive: true });
    const env = { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:${GOCODE}`, GOFLAGS: "" };
    const built: Record<string, string> = {};
    for (const tool of TOOLS) {
      symlinkSync(join(REPO_ROOT, "bench/go", tool), join(gopath, "src/larderbench", tool));
      const out = join(outDir, `go-${tool}`);
      const run = spawnSync("go", ["build", "-o", out, `larderbench/${tool}`], { env, encoding: "utf8" });
      if (run.status !== 0) return { unavailable: `go build ${tool} failed: ${run.stderr.trim()}` };
      built[tool] = out;
    }
    return built as GoTools;
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }
}
