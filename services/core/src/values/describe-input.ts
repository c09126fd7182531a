const MAX_LENGTH = 60;

/** Short JSON-like rendering of an input for error messages ("\"abc\"", "1.5", "{\"a\":1}"), truncated. */
export function describeInput(input: unknown): string {
  let text: string;
  if (typeof input === "bigint") text = input.toString();
  else if (input === undefined) text = "undefined";
  else if (input instanceof Date) text = Number.isNaN(input.getTime()) ? "Invalid Date" : input.toISOString();
  else {
    try {
      text = JSON.stringify(input) ?? typeof input;
    } catch {
      text = Object.prototype.toString.call(input);
    }
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
}
