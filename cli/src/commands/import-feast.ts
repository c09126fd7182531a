import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { Code } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  codeName,
  toConnectError,
  type S3RegistryOptions,
} from "@larder/core";
import {
  createS3Client,
  generateRepo,
  getS3Object,
  importFeastRegistry,
  parseS3Uri,
  type ImportedProject,
} from "@larder/registry";
import { CommandContext, type GlobalOptions } from "../context.js";
import { appliedLines } from "../output.js";
import { loadRepo } from "../repo-loader.js";

interface ImportOptions {
  readonly output?: string;
  readonly apply?: boolean;
  readonly s3EndpointOverride?: string;
}

/** Reads a registry file from a local path or `s3://bucket/key` (AWS credentials from the standard chain). */
async function readRegistryFile(location: string, endpointOverride: string | undefined): Promise<Uint8Array> {
  if (location.startsWith("s3://")) {
    const s3: S3RegistryOptions = {
      endpointOverride,
      forcePathStyle: endpointOverride !== undefined,
      putObjectParameters: {},
    };
    const client = createS3Client(s3);
    try {
      const result = await getS3Object(client, parseS3Uri(location));
      if (result.kind !== "found") throw new NotFoundError(`${location} does not exist`);
      return result.body;
    } finally {
      client.destroy();
    }
  }
  try {
    return await readFile(resolve(location));
  } catch (error) {
    throw new NotFoundError(`Cannot read the Feast registry file ${location}`, { cause: error });
  }
}

function summary(project: ImportedProject): string {
  const count = (n: number, one: string, many = `${one}s`): string | undefined =>
    n === 0 ? undefined : `${n} ${n === 1 ? one : many}`;
  const parts = [
    count(project.entities.length, "entity", "entities"),
    count(project.dataSources.length, "data source"),
    count(project.featureViews.length, "feature view"),
    count(project.streamFeatureViews.length, "stream feature view"),
    count(
      project.onDemandFeatureViews.length,
      "on-demand feature view (disabled)",
      "on-demand feature views (disabled)",
    ),
    count(project.featureServices.length, "feature service"),
    count(project.permissions.length, "permission"),
  ].filter((part) => part !== undefined);
  return `Imported project ${project.name}: ${parts.length === 0 ? "nothing" : parts.join(", ")}`;
}

async function writeRepo(dir: string, files: readonly { path: string; text: string }[]): Promise<void> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) throw new AlreadyExistsError(`${dir} exists and is not empty; choose another folder`);
  await mkdir(dir, { recursive: true });
  for (const file of files) await writeFile(join(dir, file.path), file.text);
}

async function importFeast(location: string, options: ImportOptions, globals: GlobalOptions): Promise<void> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (options.output === undefined && options.apply !== true) {
    throw new InvalidArgumentError("Nothing to do: give --output DIR to write a feature repo, --apply, or both");
  }
  const bytes = await readRegistryFile(location, options.s3EndpointOverride);
  const imported = importFeastRegistry(bytes);
  if (imported.projects.length === 0) throw new InvalidArgumentError(`${location} holds no Feast project`);

  const context = options.apply === true ? await CommandContext.load(globals) : undefined;
  const scratch = options.output === undefined ? await mkdtemp(join(tmpdir(), "larder-import-")) : undefined;
  try {
    const root = resolve(options.output ?? scratch ?? ".");
    const several = imported.projects.length > 1;
    for (const project of imported.projects) {
      const dir = several ? join(root, project.name) : root;
      await writeRepo(dir, generateRepo(project, { origin: location, warnings: imported.warnings }));
      out(summary(project));
      if (options.output !== undefined) out(`Wrote the feature repo to ${dir}`);
      if (context !== undefined) {
        // The generated repo is what gets applied, so the registry matches the files exactly.
        const registry = await context.registry();
        const result = await registry.apply(await loadRepo(dir, project.name, project.description));
        for (const line of appliedLines(result.changes)) out(line);
        out(`Applied project ${project.name}; registry version ${result.version}`);
      }
    }
    for (const warning of imported.warnings) {
      const where = warning.project === "" ? "" : `${warning.project}: `;
      process.stderr.write(`Warning: ${where}${warning.object}: ${warning.message}\n`);
    }
    if (imported.warnings.length > 0) {
      out(`${imported.warnings.length} warning(s); see IMPORT_WARNINGS.md in each project's folder`);
    }
  } finally {
    await context?.close().catch(() => undefined);
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

/** `import feast REGISTRY_FILE [--output DIR] [--apply]`: Feast's registry as a TypeScript feature repo. */
export function registerImportFeast(program: Command, globals: () => GlobalOptions): void {
  program
    .command("import")
    .description("Import definitions from another feature store")
    .command("feast")
    .description("Import a Feast registry file (a serialized feast.core.Registry, local or s3://)")
    .argument("<registry-file>", "Feast's registry file: a path, or s3://bucket/path/registry.pb")
    .option("-o, --output <dir>", "write an equivalent TypeScript feature repo (one folder per project if several)")
    .option("--apply", "apply the imported projects to the registry of this repo's feature_store.yaml")
    .option("--s3-endpoint-override <url>", "endpoint of an S3-compatible store for an s3:// registry file")
    .action(async (location: string, options: ImportOptions) => {
      try {
        await importFeast(location, options, globals());
      } catch (error) {
        const logger = CommandContext.logger(globals());
        const mapped = toConnectError(error, (e) => logger.error({ err: e }, "unexpected error"));
        const clientMistake = [
          Code.InvalidArgument,
          Code.NotFound,
          Code.FailedPrecondition,
          Code.AlreadyExists,
        ].includes(mapped.code);
        process.stderr.write(`Error (${codeName(mapped.code)}): ${mapped.rawMessage}\n`);
        process.exitCode = clientMistake ? 2 : 1;
      }
    });
}
