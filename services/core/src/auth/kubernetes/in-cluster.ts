import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesAuthConfig } from "../../config/auth-config.js";
import { ConfigError } from "../../errors.js";

/** Where a pod's service-account token, CA and namespace are mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How to reach the Kubernetes API server and who to be there. */
export interface KubeConnection {
  readonly apiServerUrl: string;
  readonly caPem: Buffer | undefined;
  /** The namespace the server runs in (service-account roles come from RoleBindings there). */
  readonly namespace: string;
  /** The server's own bearer token for the API server, re-read as the kubelet rotates it. */
  credential(): string | undefined;
}

export interface KubeConnectionOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default SERVICE_ACCOUNT_DIR */
  readonly serviceAccountDir?: string;
}

/** Projected service-account tokens rotate; re-reading the file once a minute keeps up with them. */
const CREDENTIAL_REREAD_MS = 60_000;

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The API server connection: `api_server_url` and `ca_file` when configured, else the in-cluster
 * config (KUBERNETES_SERVICE_HOST/PORT and the mounted service account).
 */
export function kubeConnection(config: KubernetesAuthConfig, options: KubeConnectionOptions = {}): KubeConnection {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let apiServerUrl = config.apiServerUrl;
  if (apiServerUrl === undefined) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    if (host === undefined || host.length === 0) {
      throw new ConfigError(
        "auth.api_server_url is required outside a Kubernetes cluster (KUBERNETES_SERVICE_HOST is not set)",
      );
    }
    apiServerUrl = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  const caPem = config.caFile !== undefined ? readFileSync(config.caFile) : readOptional(join(dir, "ca.crt"));
  const namespace = config.namespace ?? readOptional(join(dir, "namespace"))?.toString("utf8").trim() ?? "default";
  let token: { value: string | undefined; readAtMs: number } | undefined;
  return {
    apiServerUrl: apiServerUrl.replace(/\/+$/, ""),
    caPem,
    namespace,
    credential() {
      if (token === undefined || Date.now() - token.readAtMs > CREDENTIAL_REREAD_MS) {
        token = { value: readOptional(join(dir, "token"))?.toString("utf8").trim(), readAtMs: Date.now() };
      }
      return token.value;
    },
  };
}
