import { createRequire } from "node:module";
import type { DescService } from "@bufbuild/protobuf";
import type { RestRoute } from "../server/rest-router.js";
import { DOCS_ROUTE_DOCS, docsRoutes } from "./docs-routes.js";
import { buildOpenApi, type RestRouteDoc } from "./openapi.js";

/** The doc of the `GET /health` route every Larder server answers. */
export const HEALTH_ROUTE_DOC: RestRouteDoc = {
  method: "GET",
  path: "/health",
  summary: "Readiness: 200 while serving, 503 when not serving or shutting down",
  tags: ["Health"],
  responseSchema: {
    type: "object",
    properties: { status: { type: "string", enum: ["SERVING", "NOT_SERVING"] } },
    required: ["status"],
  },
};

function coreVersion(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "0.0.0";
}

export interface MountDocsInput {
  readonly services: readonly DescService[];
  readonly routes: readonly RestRouteDoc[];
  /** @default "Larder" */
  readonly title?: string;
}

/**
 * Adds `/openapi.json`, `/docs` and the Swagger UI assets. The document describes the services and
 * routes given here (a snapshot) and is built on the first request, then kept.
 */
export function mountDocs(add: (route: RestRoute) => void, input: MountDocsInput): void {
  const services = [...input.services];
  const routes = [...input.routes, ...DOCS_ROUTE_DOCS];
  let document: object | undefined;
  const getDocument = (): object =>
    (document ??= buildOpenApi({ title: input.title ?? "Larder", version: coreVersion(), services, routes }));
  for (const route of docsRoutes(getDocument)) add(route);
}
