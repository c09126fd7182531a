import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RestRoute } from "../server/rest-router.js";
import type { RestRouteDoc } from "./openapi.js";

export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";
const ASSETS_PATH = "/docs/assets";

// Swagger UI files served from the installed swagger-ui-dist package: the page needs no CDN.
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
};

const ASSET_CACHE_CONTROL = "public, max-age=86400";

const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Larder API</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS_PATH}/swagger-ui-standalone-preset.js"></script>
    <script>
      window.ui = SwaggerUIBundle({
        url: "${OPENAPI_PATH}",
        dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout",
      });
    </script>
  </body>
</html>
`;

/** Docs for the docs routes themselves, for the OpenAPI document. */
export const DOCS_ROUTE_DOCS: readonly RestRouteDoc[] = [
  {
    method: "GET",
    path: OPENAPI_PATH,
    summary: "This OpenAPI 3.1 document",
    tags: ["Docs"],
    responseSchema: { type: "object" },
  },
  { method: "GET", path: DOCS_PATH, summary: "Swagger UI for this document (HTML)", tags: ["Docs"] },
];

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/** Reads each file on first use and keeps it: the files do not change while the process runs. */
function cachedReader(dir: () => string): (name: string) => Promise<Buffer> {
  const cache = new Map<string, Promise<Buffer>>();
  return (name) => {
    let file = cache.get(name);
    if (file === undefined) {
      file = readFile(join(dir(), name));
      // A failed read is not cached, so a later request tries again.
      file.catch(() => cache.delete(name));
      cache.set(name, file);
    }
    return file;
  };
}

/**
 * Routes for `GET /openapi.json`, `GET /docs` (Swagger UI) and its assets. All are open: no auth,
 * no concurrency limit, like health.
 */
export function docsRoutes(getDocument: () => object): RestRoute[] {
  const read = cachedReader(swaggerUiDir);
  const routes: RestRoute[] = [
    {
      method: "GET",
      path: OPENAPI_PATH,
      open: true,
      handler: () => ({ json: getDocument(), headers: { "cache-control": "no-cache" } }),
    },
    {
      method: "GET",
      path: DOCS_PATH,
      open: true,
      handler: () => ({
        raw: { contentType: "text/html; charset=utf-8", data: DOCS_HTML },
        headers: { "cache-control": "no-cache", "x-content-type-options": "nosniff" },
      }),
    },
  ];
  for (const [name, contentType] of Object.entries(ASSETS)) {
    routes.push({
      method: "GET",
      path: `${ASSETS_PATH}/${name}`,
      open: true,
      handler: async () => ({
        raw: { contentType, data: await read(name) },
        headers: { "cache-control": ASSET_CACHE_CONTROL, "x-content-type-options": "nosniff" },
      }),
    });
  }
  return routes;
}
