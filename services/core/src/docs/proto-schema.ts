import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { leadingComment } from "./proto-comments.js";

/** A JSON Schema (OpenAPI 3.1 dialect) as a plain object. */
export type JsonSchema = Record<string, unknown>;

const INT64_PATTERN = "^-?[0-9]+$";
const UINT64_PATTERN = "^[0-9]+$";

/** The proto3 JSON mapping of a scalar: 64-bit integers as decimal strings, bytes as base64. */
export function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64", pattern: INT64_PATTERN };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: UINT64_PATTERN };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte", contentEncoding: "base64" };
  }
}

/** Map keys are always JSON object keys (strings); non-string keys are constrained by a pattern. */
function mapKeySchema(key: ScalarType): JsonSchema | undefined {
  const base = scalarSchema(key);
  if (base.type === "boolean") return { enum: ["true", "false"] };
  if (base.type === "integer") return { pattern: base.format === "uint32" ? UINT64_PATTERN : INT64_PATTERN };
  if (typeof base.pattern === "string") return { pattern: base.pattern };
  return undefined;
}

// Well-known types with a special JSON form (https://protobuf.dev/programming-guides/json/).
const WELL_KNOWN: Readonly<Record<string, JsonSchema>> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time", examples: ["1972-01-01T10:00:20.021Z"] },
  "google.protobuf.Duration": {
    type: "string",
    pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
    description: "Seconds with an `s` suffix, e.g. `1.5s`.",
  },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": { description: "Any JSON value." },
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.FieldMask": { type: "string", description: "Comma-separated camelCase field paths." },
  "google.protobuf.Any": {
    type: "object",
    properties: { "@type": { type: "string" } },
    required: ["@type"],
    additionalProperties: true,
  },
  "google.protobuf.DoubleValue": scalarSchema(ScalarType.DOUBLE),
  "google.protobuf.FloatValue": scalarSchema(ScalarType.FLOAT),
  "google.protobuf.Int64Value": scalarSchema(ScalarType.INT64),
  "google.protobuf.UInt64Value": scalarSchema(ScalarType.UINT64),
  "google.protobuf.Int32Value": scalarSchema(ScalarType.INT32),
  "google.protobuf.UInt32Value": scalarSchema(ScalarType.UINT32),
  "google.protobuf.BoolValue": scalarSchema(ScalarType.BOOL),
  "google.protobuf.StringValue": scalarSchema(ScalarType.STRING),
  "google.protobuf.BytesValue": scalarSchema(ScalarType.BYTES),
};

/** A reference to a named schema under `#/components/schemas`. */
export function schemaRef(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * Collects JSON Schemas for protobuf messages and enums in the proto3 JSON mapping, one named
 * component per type (full proto type name), so recursive and shared types are written once.
 */
export class ProtoSchemas {
  readonly components: Record<string, JsonSchema> = {};

  /** Returns the schema of a message: a `$ref` to its component, or the inline form of a well-known type. */
  message(desc: DescMessage): JsonSchema {
    const wellKnown = WELL_KNOWN[desc.typeName];
    if (wellKnown !== undefined) return wellKnown;
    if (!(desc.typeName in this.components)) {
      // Reserve the name first: a message that refers to itself then gets a $ref, not endless recursion.
      this.components[desc.typeName] = {};
      this.components[desc.typeName] = this.messageBody(desc);
    }
    return schemaRef(desc.typeName);
  }

  /** Returns a `$ref` to the enum's component: a string enum of its value names. */
  enumeration(desc: DescEnum): JsonSchema {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!(desc.typeName in this.components)) {
      const description = leadingComment(desc);
      this.components[desc.typeName] = {
        type: "string",
        enum: desc.values.map((v) => v.name),
        ...(description === undefined ? {} : { description }),
      };
    }
    return schemaRef(desc.typeName);
  }

  private messageBody(desc: DescMessage): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const field of desc.fields) properties[field.jsonName] = this.field(field);
    const notes = desc.oneofs.map(
      (o) => `One of \`${o.name}\`: set at most one of ${o.fields.map((f) => `\`${f.jsonName}\``).join(", ")}.`,
    );
    const description = [leadingComment(desc), ...notes].filter((s) => s !== undefined).join("\n\n");
    return {
      type: "object",
      title: desc.name,
      ...(description === "" ? {} : { description }),
      properties,
      // The servers reject unknown JSON fields (ignoreUnknownFields: false).
      additionalProperties: false,
    };
  }

  private field(field: DescField): JsonSchema {
    const schema = this.fieldType(field);
    const notes = [
      leadingComment(field),
      field.oneof === undefined ? undefined : `Part of one of \`${field.oneof.name}\`.`,
    ].filter((s) => s !== undefined);
    if (notes.length === 0 && !field.deprecated) return schema;
    // Siblings of $ref are allowed in OpenAPI 3.1 (JSON Schema 2020-12).
    return {
      ...schema,
      ...(notes.length === 0 ? {} : { description: notes.join("\n\n") }),
      ...(field.deprecated ? { deprecated: true } : {}),
    };
  }

  private fieldType(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enumeration(field.enum);
      case "message":
        return this.message(field.message);
      case "list":
        return { type: "array", items: this.listItem(field) };
      case "map": {
        const keys = mapKeySchema(field.mapKey);
        return {
          type: "object",
          ...(keys === undefined ? {} : { propertyNames: keys }),
          additionalProperties: this.mapValue(field),
        };
      }
    }
  }

  private listItem(field: DescField & { fieldKind: "list" }): JsonSchema {
    switch (field.listKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enumeration(field.enum);
      case "message":
        return this.message(field.message);
    }
  }

  private mapValue(field: DescField & { fieldKind: "map" }): JsonSchema {
    switch (field.mapKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enumeration(field.enum);
      case "message":
        return this.message(field.message);
    }
  }
}
