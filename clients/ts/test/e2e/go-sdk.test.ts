import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, run } from "../../../../test/harness/processes.js";

const go = await run("go", ["version"]).catch(() => undefined);
if (go?.code !== 0) console.warn("go sdk: skipped: no Go toolchain");

// Skipped only where no Go toolchain is installed (Go is optional; the line above says so in the output).
describe.skipIf(go?.code !== 0)("Go SDK (clients/go)", () => {
  it("compiles, vets and passes go test offline", { timeout: 300_000 }, async () => {
    const result = await run("bash", [join(REPO_ROOT, "scripts/generate-sdks.sh"), "--check-go"]);
    const report = `${result.stdout}\n${result.stderr}`;
    expect(result.code, report).toBe(0);
    // Either compiled, or skipped visibly because Debian's Go libraries are not installed.
    expect(report).toMatch(/go sdk: (compiled|skipped)/);
    if (report.includes("go sdk: compiled")) expect(report).toMatch(/ok\s+larder\/clients\/go\s/);
  });
});
