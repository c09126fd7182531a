// Module resolution hooks for feature repos anywhere on disk:
// - `@larder/sdk` resolves to the CLI's own SDK, so the definitions a repo builds are instances of the
//   same classes the CLI checks for (a repo needs no package.json or node_modules);
// - a repo's `.ts` files are ES modules even without a package.json saying `"type": "module"`
//   (tsx would otherwise treat them as CommonJS and mark their URLs with its CommonJS queries).
// Resolved URLs still go through the next resolver (tsx), which loads TypeScript.
import { fileURLToPath, pathToFileURL } from "node:url";

const LARDER_ROOT = new URL("../../", import.meta.url).href;
const SDK_ENTRY = new URL("clients/ts/src/index.ts", LARDER_ROOT).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier === "@larder/sdk" ? SDK_ENTRY : specifier, context);
  if (!resolved.url.startsWith("file:") || resolved.url.startsWith(LARDER_ROOT)) return resolved;
  const path = decodeURIComponent(fileURLToPath(resolved.url.split("?")[0])).replace(/\?.*$/, "");
  if (/\.m?ts$/.test(path)) return { url: pathToFileURL(path).href, format: "module", shortCircuit: true };
  return resolved;
}
