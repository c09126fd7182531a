// Fails when the import graph of Larder's own TypeScript has a cycle. Follows relative imports
// (".js" specifiers resolve to ".ts" files) and workspace packages (@larder/x → its exported entry).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const roots = ["services", "cli", "clients/ts"].map((d) => join(root, d));
const packages = new Map();
for (const pkgDir of [
  ...readdirSync(join(root, "services")).map((d) => join(root, "services", d)),
  join(root, "cli"),
  join(root, "clients/ts"),
]) {
  const manifest = join(pkgDir, "package.json");
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  const entry = typeof pkg.exports === "object" ? pkg.exports["."] : undefined;
  if (typeof entry === "string") packages.set(pkg.name, join(pkgDir, entry));
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "test") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith(".ts")) out.push(path);
  }
  return out;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g;
const graph = new Map();
for (const file of roots.flatMap((r) => walk(r, []))) {
  const deps = [];
  for (const match of readFileSync(file, "utf8").matchAll(importPattern)) {
    const spec = match[1];
    if (/^\s*(?:import|export)\s+type\s/.test(match[0])) continue; // type-only imports vanish at run time
    if (spec.startsWith(".")) deps.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    else if (packages.has(spec)) deps.push(packages.get(spec));
  }
  graph.set(file, deps);
}

const state = new Map();
const stack = [];
const cycles = [];
function visit(node) {
  state.set(node, 1);
  stack.push(node);
  for (const dep of graph.get(node) ?? []) {
    if (state.get(dep) === 1)
      cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(root, f)).join(" -> "));
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(node, 2);
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (cycles.length > 0) {
  console.error(`import cycles (${cycles.length}):\n${cycles.join("\n")}`);
  process.exit(1);
}
console.log(`no import cycles in ${graph.size} files`);
