import { readFile } from "node:fs/promises";
import type { TokenProvider } from "./token-provider.js";

/** Kubelets rotate projected service-account tokens; re-reading once a minute follows them. */
const REREAD_MS = 60_000;

/** A token read from a file (the mounted service-account token), re-read periodically and on invalidate. */
export function fileTokenProvider(path: string, now: () => number = Date.now): TokenProvider {
  let cached: { value: string | undefined; readAtMs: number } | undefined;
  return {
    async token() {
      if (cached === undefined || now() - cached.readAtMs > REREAD_MS) {
        let value: string | undefined;
        try {
          value = (await readFile(path, "utf8")).trim() || undefined;
        } catch {
          value = undefined;
        }
        cached = { value, readAtMs: now() };
      }
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
