import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigError, type TlsOptions } from "@larder/core";

/** The TLS flags of `serve` and `serve-registry`. */
export interface TlsCliOptions {
  readonly key?: string;
  readonly cert?: string;
  readonly ca?: string;
  readonly requireClientCert?: boolean;
}

/** Adds `--key`, `--cert`, `--ca` and `--require-client-cert` to a server command. */
export function withTlsOptions(command: Command): Command {
  return command
    .option("--key <file>", "TLS private key (PEM); with --cert, serve gRPC and REST over TLS")
    .option("--cert <file>", "TLS certificate chain (PEM)")
    .option("--ca <file>", "CA bundle (PEM) that client certificates must chain to")
    .option("--require-client-cert", "refuse clients without a certificate signed by --ca (mutual TLS)");
}

async function read(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError(`${flag} ${path} cannot be read`, { cause: error });
  }
}

/** The server's TLS options from the flags; undefined without `--key`/`--cert`. */
export async function tlsFromOptions(options: TlsCliOptions): Promise<TlsOptions | undefined> {
  if (options.key === undefined && options.cert === undefined) {
    if (options.ca !== undefined || options.requireClientCert === true) {
      throw new ConfigError("--ca and --require-client-cert need --key and --cert");
    }
    return undefined;
  }
  if (options.key === undefined || options.cert === undefined) throw new ConfigError("--key and --cert go together");
  if (options.requireClientCert === true && options.ca === undefined) {
    throw new ConfigError("--require-client-cert needs --ca, the CA that signs client certificates");
  }
  return {
    keyPem: await read("--key", options.key),
    certPem: await read("--cert", options.cert),
    ...(options.ca === undefined ? {} : { caPem: await read("--ca", options.ca) }),
    requireClientCert: options.requireClientCert === true,
  };
}
