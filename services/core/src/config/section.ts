import { ConfigError } from "../errors.js";

/** Bounds for a numeric option; `integer` defaults to true. */
export interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** Describes a value for an error message: strings quoted, everything else as JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** True for a plain YAML mapping (not an array, not null). */
export function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function boundsPhrase(bounds: NumberBounds): string {
  const kind = bounds.integer === false ? "a number" : "an integer";
  const { min, max } = bounds;
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  if (min === 1 && bounds.integer !== false) return "a positive integer";
  if (min === 0) return `a non-negative ${kind === "an integer" ? "integer" : "number"}`;
  if (min !== undefined) return `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

/** Checks a number against its bounds, failing with the option's path and the bounds. */
export function checkNumber(path: string, value: unknown, bounds: NumberBounds): number {
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (bounds.integer === false || Number.isInteger(value)) &&
    (bounds.min === undefined || value >= bounds.min) &&
    (bounds.max === undefined || value <= bounds.max);
  if (!ok) throw new ConfigError(`${path} must be ${boundsPhrase(bounds)}, got ${describeValue(value)}`);
  return value;
}

/**
 * Reads the keys of one YAML mapping by path (`online_store.redis_type`), remembering which were read
 * so `finish()` can reject the rest as unknown. YAML `null` counts as absent, as Feast's Optional fields do.
 */
export class Section {
  private readonly seen = new Set<string>();

  private constructor(
    readonly path: string,
    private readonly raw: Readonly<Record<string, unknown>>,
  ) {}

  /** Wraps a mapping; anything else fails naming the path. */
  static of(path: string, value: unknown): Section {
    if (!isMapping(value)) throw new ConfigError(`${path} must be a mapping, got ${describeValue(value)}`);
    return new Section(path, value);
  }

  /** The dotted path of a key in this section. */
  pathOf(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    const value = this.raw[key];
    return value !== undefined && value !== null;
  }

  /** The raw value (marked as read), undefined when absent or null. */
  get(key: string): unknown {
    this.seen.add(key);
    const value = this.raw[key];
    return value === null ? undefined : value;
  }

  /** Marks keys as accepted without reading them (tolerated for compatibility, then ignored). */
  ignore(...keys: readonly string[]): void {
    for (const key of keys) this.seen.add(key);
  }

  /** Every key not yet read, with its value; marks them as read. */
  rest(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.raw)) {
      if (!this.seen.has(key)) out[key] = value;
      this.seen.add(key);
    }
    return out;
  }

  string(key: string): string | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.length === 0) {
      throw new ConfigError(`${this.pathOf(key)} must be a non-empty string, got ${describeValue(value)}`);
    }
    return value;
  }

  requiredString(key: string, why = ""): string {
    const value = this.string(key);
    if (value === undefined) throw new ConfigError(`${this.pathOf(key)} is required${why}`);
    return value;
  }

  /** A string restricted to `allowed`, defaulting to `fallback`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.get(key);
    if (value === undefined) return fallback;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(`${this.pathOf(key)} must be one of ${allowed.join(", ")}, got ${describeValue(value)}`);
    }
    return value as T;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.get(key);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      throw new ConfigError(`${this.pathOf(key)} must be true or false, got ${describeValue(value)}`);
    }
    return value;
  }

  number(key: string, fallback: number, bounds: NumberBounds): number {
    const value = this.get(key);
    return value === undefined ? fallback : checkNumber(this.pathOf(key), value, bounds);
  }

  optionalNumber(key: string, bounds: NumberBounds): number | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : checkNumber(this.pathOf(key), value, bounds);
  }

  /** A list of non-empty strings; a single string is not promoted to a list. */
  stringList(key: string): readonly string[] | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item.length === 0)) {
      throw new ConfigError(`${this.pathOf(key)} must be a list of non-empty strings, got ${describeValue(value)}`);
    }
    return Object.freeze([...(value as string[])]);
  }

  /** A nested mapping as its own section, or undefined when absent. */
  section(key: string): Section | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : Section.of(this.pathOf(key), value);
  }

  /** Fails naming the first key that no reader consumed, and the keys this section knows. */
  finish(): void {
    const unknown = Object.keys(this.raw).find((key) => !this.seen.has(key));
    if (unknown === undefined) return;
    const known = [...this.seen].sort().join(", ");
    throw new ConfigError(`${this.pathOf(unknown)} is not a known option (known: ${known})`);
  }
}

/**
 * Reads a component given as a bare type string, a mapping with `type`, or nothing (the fallback type).
 * Returns the section (with `type` already read) and the type.
 */
export function typedSection(path: string, raw: unknown, fallbackType: string): { section: Section; type: string } {
  if (raw === undefined || raw === null) return { section: Section.of(path, {}), type: fallbackType };
  if (typeof raw === "string") return { section: Section.of(path, {}), type: raw };
  const section = Section.of(path, raw);
  return { section, type: section.string("type") ?? fallbackType };
}
