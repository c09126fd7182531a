#!/usr/bin/env -S node --max-semi-space-size=32
// The `larder` command. A 32 MB young generation (Node 20's default is 16) keeps scavenges off the
// serving path: at 1×50 and 1,000 req/s they fell from ~140 to ~10 per 6,000 calls, and 100×50 reads no
// longer promote their replies into major GCs, for ~60 MB more resident memory (bench: serving).
// Runs the TypeScript sources through tsx, and resolves `@larder/sdk` imports of feature repos anywhere
// on disk to this installation's copy (a repo needs no node_modules).
import { register } from "node:module";
import { register as registerTypeScript } from "tsx/esm/api";

registerTypeScript();
register("./sdk-alias-hooks.mjs", import.meta.url);
const { main } = await import("../src/main.ts");
await main(process.argv);
