import { ConfigError } from "../errors.js";
import { describeValue } from "./section.js";

/** One Redis node address. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Feast's `connection_string`, parsed: nodes plus the `key=value` options redis-py would receive. */
export interface RedisConnection {
  readonly nodes: readonly RedisNode[];
  readonly password: string | undefined;
  readonly username: string | undefined;
  readonly ssl: boolean;
  readonly db: number;
  /** Other `key=value` options, JSON-decoded when possible as Feast does; kept for the client. */
  readonly options: Readonly<Record<string, unknown>>;
}

const DEFAULT_REDIS_PORT = 6379;

function decode(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function parseNode(part: string, where: string): RedisNode {
  // `[::1]:6379`, `host:6379` or `host` (default port).
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(part);
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? DEFAULT_REDIS_PORT : Number(match[3]);
  if (host === undefined || port < 1 || port > 65535) {
    throw new ConfigError(`${where} has an invalid node ${describeValue(part)}; expected host:port (port 1-65535)`);
  }
  return { host, port };
}

/**
 * Parses `host:port[,host2:port2...][,key=value...]`: parts without `=` are nodes, the rest options
 * (`password`, `username`, `ssl`, `db` are lifted out). `where` names the option in errors.
 */
export function parseRedisConnectionString(text: string, where = "connection_string"): RedisConnection {
  const nodes: RedisNode[] = [];
  const options: Record<string, unknown> = {};
  let password: string | undefined;
  let username: string | undefined;
  let ssl = false;
  let db = 0;
  for (const rawPart of text.split(",")) {
    const part = rawPart.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      nodes.push(parseNode(part, where));
      continue;
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case "password":
        password = value;
        break;
      case "username":
        username = value;
        break;
      case "ssl": {
        const lowered = value.toLowerCase();
        if (lowered !== "true" && lowered !== "false") {
          throw new ConfigError(`${where}: ssl must be true or false, got ${describeValue(value)}`);
        }
        ssl = lowered === "true";
        break;
      }
      case "db": {
        db = Number(value);
        if (!/^\d+$/.test(value) || db > 65535) {
          throw new ConfigError(`${where}: db must be a non-negative integer, got ${describeValue(value)}`);
        }
        break;
      }
      default:
        if (key === "") throw new ConfigError(`${where} has an option without a name: ${describeValue(part)}`);
        options[key] = decode(value);
    }
  }
  if (nodes.length === 0) throw new ConfigError(`${where} must list at least one host:port`);
  return Object.freeze({
    nodes: Object.freeze(nodes),
    password,
    username,
    ssl,
    db,
    options: Object.freeze(options),
  });
}
