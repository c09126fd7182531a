import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { InvalidArgumentError } from "@larder/core";
import { DefinitionError, isDefinition, repoContents, type Definition } from "@larder/sdk";

const ALWAYS_SKIPPED = new Set(["node_modules", "data", "dist"]);

/** Turns a .larderignore line into a test on repo-relative POSIX paths (`*` within a segment, `**` across). */
function ignoreRule(pattern: string): (path: string) => boolean {
  const clean = pattern.replace(/^\/+|\/+$/g, "");
  const regex = new RegExp(
    "^" +
      clean
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*") +
      "(/.*)?$",
  );
  return (path) => regex.test(path);
}

async function ignoreRules(repoPath: string): Promise<Array<(path: string) => boolean>> {
  try {
    const text = await readFile(join(repoPath, ".larderignore"), "utf8");
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map(ignoreRule);
  } catch {
    return [];
  }
}

/** The repo's definition files: `*.ts` outside dot folders, node_modules, data and .larderignore. */
export async function findDefinitionFiles(repoPath: string): Promise<string[]> {
  const rules = await ignoreRules(repoPath);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(repoPath, path).split(sep).join("/");
      if (entry.name.startsWith(".") || rules.some((rule) => rule(rel))) continue;
      if (entry.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(entry.name)) await walk(path);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        files.push(path);
      }
    }
  };
  await walk(repoPath);
  return files.sort();
}

/** Definitions exported by the repo's files, each once, with the file that first exported it. */
export async function loadDefinitions(repoPath: string): Promise<Array<{ definition: Definition; file: string }>> {
  const found = new Map<Definition, string>();
  for (const file of await findDefinitionFiles(repoPath)) {
    const rel = relative(repoPath, file);
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof DefinitionError)
        throw new InvalidArgumentError(`${rel}: ${error.message}`, { cause: error });
      const message = error instanceof Error ? error.message : String(error);
      throw new InvalidArgumentError(`${rel}: could not load: ${message}`, { cause: error });
    }
    for (const value of Object.values(module)) {
      if (isDefinition(value) && !found.has(value)) found.set(value, rel);
    }
  }
  return [...found].map(([definition, file]) => ({ definition, file }));
}

/**
 * Loads a feature repo into the desired registry state of `project`: every exported definition, plus
 * the data sources views use without exporting them (as Feast registers them).
 */
export async function loadRepo(repoPath: string, project: string, description = ""): Promise<RepoContents> {
  const definitions = await loadDefinitions(repoPath);
  return repoContents(
    definitions.map(({ definition, file }) => ({ definition, origin: file })),
    project,
    description,
  );
}
