#!/usr/bin/env node
// The `larder` command. Runs the TypeScript sources through tsx, and resolves `@larder/sdk` imports
// of feature repos anywhere on disk to this installation's copy (a repo needs no node_modules).
import { register } from "node:module";
import { register as registerTypeScript } from "tsx/esm/api";

registerTypeScript();
register("./sdk-alias-hooks.mjs", import.meta.url);
const { main } = await import("../src/main.ts");
await main(process.argv);
