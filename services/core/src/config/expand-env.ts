import { ConfigError } from "../errors.js";

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

// `$$` is a literal `$`; `${NAME}` / `${NAME:-default}`; `$NAME`. A `$` before anything else is kept,
// as Python's os.path.expandvars (which Feast uses) keeps it.
const REFERENCE = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\{))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function expandLine(line: string, lineNumber: number, env: Environment): string {
  // Whole-line YAML comments are left alone so a commented-out `$VAR` never fails the load.
  if (line.trimStart().startsWith("#")) return line;
  return line.replace(
    REFERENCE,
    (
      _match,
      dollar: string | undefined,
      braced: string | undefined,
      bare: string | undefined,
      unclosed: string | undefined,
    ) => {
      if (dollar !== undefined) return "$";
      if (unclosed !== undefined) throw new ConfigError(`line ${lineNumber}: \${ has no closing }`);
      let name: string;
      let fallback: string | undefined;
      if (braced !== undefined) {
        const parts = BRACED.exec(braced);
        if (parts === null) {
          throw new ConfigError(`line ${lineNumber}: \${${braced}} is not a valid variable reference`);
        }
        name = parts[1] ?? "";
        fallback = parts[2];
      } else {
        name = bare ?? "";
      }
      const value = env[name];
      // Shell semantics for `:-`: the default also replaces an empty value.
      if (fallback !== undefined && (value === undefined || value === "")) return fallback;
      if (value === undefined) {
        throw new ConfigError(
          `line ${lineNumber}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
        );
      }
      return value;
    },
  );
}

/** Expands `$VAR`, `${VAR}` and `${VAR:-default}` in `text`; an unset variable without default fails. */
export function expandEnv(text: string, env: Environment): string {
  return text
    .split("\n")
    .map((line, index) => expandLine(line, index + 1, env))
    .join("\n");
}
