import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeName, httpStatusFromCode } from "../error-mapping.js";
import { leadingComment } from "./proto-comments.js";
import { ProtoSchemas, schemaRef, type JsonSchema } from "./proto-schema.js";

/** Describes a hand-written REST route for the OpenAPI document; schemas are JSON Schemas. */
export interface RestRouteDoc {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  /** Groups the route in the docs UI; defaults to `REST`. */
  readonly tags?: readonly string[];
  readonly requestSchema?: object;
  readonly responseSchema?: object;
}

export interface OpenApiInput {
  readonly title: string;
  readonly version: string;
  readonly services: readonly DescService[];
  readonly routes: readonly RestRouteDoc[];
}

const CONNECT_ERROR = "ConnectError";
const REST_ERROR = "RestError";
const ERROR_STATUSES = [400, 404, 429, 500, 503] as const;

const ALL_CODES = Object.values(Code).filter((c): c is Code => typeof c === "number");

/** Names the codes a status stands for, from the same table the servers answer with. */
function codesFor(status: number): string[] {
  return ALL_CODES.filter((c) => httpStatusFromCode(c) === status).map(codeName);
}

function errorResponses(schemaName: string): Record<string, object> {
  const responses: Record<string, object> = {};
  for (const status of ERROR_STATUSES) {
    responses[String(status)] = {
      description: `Error; code ${codesFor(status).join(", ")}.`,
      content: { "application/json": { schema: schemaRef(schemaName) } },
    };
  }
  return responses;
}

function errorSchemas(): Record<string, JsonSchema> {
  const codes = { type: "string", enum: ALL_CODES.map(codeName) };
  return {
    [CONNECT_ERROR]: {
      type: "object",
      description: "A Connect protocol error.",
      properties: { code: codes, message: { type: "string" } },
      required: ["code"],
    },
    [REST_ERROR]: {
      type: "object",
      description: "An error from a REST route.",
      properties: { detail: { type: "string" }, code: { type: "string" } },
      required: ["detail", "code"],
    },
  };
}

const STREAMING_NOTE: Record<DescMethod["methodKind"], string | undefined> = {
  unary: undefined,
  server_streaming:
    "Server streaming: the response is a Connect stream (`application/connect+json`), not plain JSON: " +
    "each message is framed by a 5-byte envelope (flags, big-endian length) and the stream ends with an " +
    "end-of-stream envelope holding any error. Use a Connect or gRPC client; this UI cannot call it.",
  client_streaming:
    "Client streaming: the request is a Connect stream (`application/connect+json`) of enveloped " +
    "messages, not plain JSON. Use a Connect or gRPC client.",
  bidi_streaming:
    "Bidirectional streaming: needs HTTP/2 and a Connect or gRPC client; it cannot be called as plain JSON.",
};

function rpcOperation(service: DescService, method: DescMethod, schemas: ProtoSchemas): Record<string, object> {
  const streaming = STREAMING_NOTE[method.methodKind];
  const contentType = streaming === undefined ? "application/json" : "application/connect+json";
  const description = [leadingComment(method), streaming].filter((s) => s !== undefined).join("\n\n");
  return {
    post: {
      operationId: `${service.typeName}.${method.name}`,
      tags: [service.typeName],
      summary: method.name,
      ...(description === "" ? {} : { description }),
      ...(method.deprecated ? { deprecated: true } : {}),
      requestBody: {
        required: true,
        content: { [contentType]: { schema: schemas.message(method.input) } },
      },
      responses: {
        "200": {
          description: streaming === undefined ? "The response message." : "A stream of response messages.",
          content: { [contentType]: { schema: schemas.message(method.output) } },
        },
        ...errorResponses(CONNECT_ERROR),
      },
    },
  };
}

function restOperation(route: RestRouteDoc): object {
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+/g, "_")}`,
    tags: route.tags ?? ["REST"],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.requestSchema === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: route.requestSchema } } } }),
    responses: {
      "200": {
        description: "Success.",
        ...(route.responseSchema === undefined
          ? {}
          : { content: { "application/json": { schema: route.responseSchema } } }),
      },
      ...errorResponses(REST_ERROR),
    },
  };
}

/**
 * Builds an OpenAPI 3.1 document for the services' Connect JSON endpoints (`POST /<package.Service>/<Method>`,
 * bodies in the proto3 JSON mapping) and the documented REST routes.
 */
export function buildOpenApi(input: OpenApiInput): object {
  const schemas = new ProtoSchemas();
  const paths: Record<string, Record<string, object>> = {};
  const tags: object[] = [];
  for (const service of input.services) {
    const description = leadingComment(service);
    tags.push({ name: service.typeName, ...(description === undefined ? {} : { description }) });
    for (const method of service.methods) {
      paths[`/${service.typeName}/${method.name}`] = rpcOperation(service, method, schemas);
    }
  }
  for (const route of input.routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: restOperation(route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: input.title,
      version: input.version,
      description:
        "RPCs speak the Connect protocol: `POST /<package.Service>/<Method>` with a JSON body in the proto3 " +
        "JSON mapping (camelCase names, 64-bit integers as strings, bytes as base64, enums by name). " +
        "The same methods answer gRPC and gRPC-Web on the same port.",
    },
    tags,
    paths,
    components: { schemas: { ...schemas.components, ...errorSchemas() } },
  };
}
