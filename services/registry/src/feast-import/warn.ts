import type { DescMessage, Message } from "@bufbuild/protobuf";
import { unknownFields } from "./unknown-fields.js";

/** Records a warning about one object of the project being imported. */
export type Warn = (object: string, message: string) => void;

/**
 * Warns about each Feast field of `message` that Larder does not declare. `handled` lists
 * `typeName:number` pairs the import reads itself; paths matching `skip` are reported elsewhere
 * (embedded sources are reported with the source).
 */
export function reportUnknownFields(
  warn: Warn,
  object: string,
  desc: DescMessage,
  message: Message,
  handled: ReadonlySet<string> = new Set(),
  skip?: RegExp,
): void {
  for (const field of unknownFields(desc, message)) {
    if (handled.has(`${field.typeName}:${field.no}`)) continue;
    if (skip?.test(field.path) === true) continue;
    const where = field.path === "" ? "" : `${field.path}: `;
    warn(object, `${where}${field.feastName} not imported (Larder has no equivalent)`);
  }
}
