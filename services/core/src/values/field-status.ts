import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";

/** Feast's JSON name of a field status; 0 and unknown numbers are "INVALID", as in Feast's `_STATUS_NAMES`. */
export function fieldStatusName(status: FieldStatus): string {
  switch (status) {
    case FieldStatus.PRESENT:
      return "PRESENT";
    case FieldStatus.NULL_VALUE:
      return "NULL_VALUE";
    case FieldStatus.NOT_FOUND:
      return "NOT_FOUND";
    case FieldStatus.OUTSIDE_MAX_AGE:
      return "OUTSIDE_MAX_AGE";
    case FieldStatus.UNSPECIFIED:
      return "INVALID";
    default:
      return "INVALID";
  }
}
