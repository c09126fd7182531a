import type { DescEnum, DescField, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";

// Field numbers in descriptor.proto that make up a SourceCodeInfo location path.
const FILE_MESSAGE_TYPE = 4;
const FILE_ENUM_TYPE = 5;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED_TYPE = 3;
const MESSAGE_ENUM_TYPE = 4;
const SERVICE_METHOD = 2;

type Commented = DescMessage | DescEnum | DescField | DescService | DescMethod;

function pathOf(desc: Commented): number[] {
  switch (desc.kind) {
    case "message":
      return desc.parent === undefined
        ? [FILE_MESSAGE_TYPE, desc.file.proto.messageType.indexOf(desc.proto)]
        : [...pathOf(desc.parent), MESSAGE_NESTED_TYPE, desc.parent.proto.nestedType.indexOf(desc.proto)];
    case "enum":
      return desc.parent === undefined
        ? [FILE_ENUM_TYPE, desc.file.proto.enumType.indexOf(desc.proto)]
        : [...pathOf(desc.parent), MESSAGE_ENUM_TYPE, desc.parent.proto.enumType.indexOf(desc.proto)];
    case "field":
      return [...pathOf(desc.parent), MESSAGE_FIELD, desc.parent.proto.field.indexOf(desc.proto)];
    case "service":
      return [FILE_SERVICE, desc.file.proto.service.indexOf(desc.proto)];
    case "rpc":
      return [...pathOf(desc.parent), SERVICE_METHOD, desc.parent.proto.method.indexOf(desc.proto)];
  }
}

function fileOf(desc: Commented): DescService["file"] {
  switch (desc.kind) {
    case "field":
    case "rpc":
      return desc.parent.file;
    case "message":
    case "enum":
    case "service":
      return desc.file;
  }
}

/**
 * Returns the leading comment of a declaration, trimmed, or undefined. Generated protobuf-es
 * descriptors are embedded without source code info, so this only finds comments in descriptors
 * loaded from a `buf build` image that kept them.
 */
export function leadingComment(desc: Commented): string | undefined {
  const info = fileOf(desc).proto.sourceCodeInfo;
  if (info === undefined || info.location.length === 0) return undefined;
  const path = pathOf(desc);
  const location = info.location.find((l) => l.path.length === path.length && l.path.every((n, i) => n === path[i]));
  const text = location?.leadingComments
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .trim();
  return text === undefined || text === "" ? undefined : text;
}
