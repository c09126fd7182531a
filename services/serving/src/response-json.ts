import { fieldStatusName, timestampMsToRfc3339 } from "@larder/core";
import type { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import type { OutputColumn } from "./output-column.js";
import { storedValueToJson } from "./stored-value-json.js";

// Feast's REST JSON of a GetOnlineFeatures answer written as text directly, the same text JSON.stringify
// gives for renderResponse's object (feast-rest-routes.ts; checked by a property test). Building the
// object and stringifying it cost ≈ 40 % of a 1 × 50 REST call; here the names, statuses and times are
// written once per distinct array (the columns of one view read share theirs) and only values per cell.

/** JSON text of a plain JSON value (what JSON.stringify writes for it inside an array). */
function jsonText(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  return value === null || value === undefined ? "null" : JSON.stringify(value);
}

const statusTexts = new Map<FieldStatus, string>();
const statusText = (status: FieldStatus): string => {
  let text = statusTexts.get(status);
  if (text === undefined) {
    text = JSON.stringify(fieldStatusName(status));
    statusTexts.set(status, text);
  }
  return text;
};

/** The response as JSON text: `{"metadata":{"feature_names":[…]},"results":[{"values","statuses","event_timestamps"}…]}`. */
export function renderResponseJson(columns: readonly OutputColumn[]): string {
  const times = new Map<number, string>();
  const timeText = (ms: number): string => {
    let text = times.get(ms);
    if (text === undefined) {
      text = JSON.stringify(timestampMsToRfc3339(ms));
      times.set(ms, text);
    }
    return text;
  };
  let out = '{"metadata":{"feature_names":[';
  for (let c = 0; c < columns.length; c++) out += (c === 0 ? "" : ",") + JSON.stringify(columns[c]!.name);
  out += ']},"results":[';
  let statusesOf: readonly FieldStatus[] | undefined;
  let statusesJson = "";
  let timesOf: readonly number[] | undefined;
  let timesJson = "";
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!;
    const values = column.values;
    out += c === 0 ? '{"values":[' : ',{"values":[';
    for (let r = 0; r < values.length; r++) out += (r === 0 ? "" : ",") + jsonText(storedValueToJson(values[r]!));
    if (column.statuses !== statusesOf) {
      statusesOf = column.statuses;
      statusesJson = "";
      for (let r = 0; r < statusesOf.length; r++) statusesJson += (r === 0 ? "" : ",") + statusText(statusesOf[r]!);
    }
    if (column.timestampsMs !== timesOf) {
      timesOf = column.timestampsMs;
      timesJson = "";
      for (let r = 0; r < timesOf.length; r++) timesJson += (r === 0 ? "" : ",") + timeText(timesOf[r]!);
    }
    out += `],"statuses":[${statusesJson}],"event_timestamps":[${timesJson}]}`;
  }
  return `${out}]}`;
}
