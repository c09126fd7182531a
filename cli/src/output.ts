import { ChangeType, ObjectKind, type ObjectChange } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { kindInfo } from "@larder/registry";

const VERB: Partial<Record<ChangeType, string>> = {
  [ChangeType.CREATE]: "Created",
  [ChangeType.UPDATE]: "Updated",
  [ChangeType.DELETE]: "Deleted",
};

function label(change: ObjectChange): string {
  return change.kind === ObjectKind.UNSPECIFIED ? "object" : kindInfo(change.kind).label;
}

/** Lines Feast prints after apply: `Created entity driver`, `Updated feature view x`, … */
export function appliedLines(changes: readonly ObjectChange[]): string[] {
  return changes.flatMap((change) => {
    const verb = VERB[change.change];
    return verb === undefined ? [] : [`${verb} ${label(change)} ${change.name}`];
  });
}

/** A plan: one line per object that would change, with the changed fields, and a tally. */
export function planLines(changes: readonly ObjectChange[]): string[] {
  const lines: string[] = [];
  const tally = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const change of changes) {
    switch (change.change) {
      case ChangeType.CREATE:
        tally.create++;
        lines.push(`  + ${label(change)} ${change.name}`);
        break;
      case ChangeType.UPDATE:
        tally.update++;
        lines.push(`  ~ ${label(change)} ${change.name} (${change.fieldChanges.map((f) => f.path).join(", ")})`);
        break;
      case ChangeType.DELETE:
        tally.delete++;
        lines.push(`  - ${label(change)} ${change.name}`);
        break;
      case ChangeType.UNCHANGED:
      case ChangeType.UNSPECIFIED:
        tally.unchanged++;
        break;
    }
  }
  lines.push(
    `Plan: ${tally.create} to create, ${tally.update} to update, ${tally.delete} to delete, ${tally.unchanged} unchanged.`,
  );
  return lines;
}

/** Left-aligned columns, as Feast's `list` tables. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
