// The Helm chart (deploy/helm/larder): values.yaml and the CI values against values.schema.json, bad
// values rejected with the offending path, and — when `helm` is on the PATH — the rendered manifests.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { parse, parseAllDocuments, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "@larder/core";
import { REPO_ROOT } from "../harness/processes.js";

const CHART = join(REPO_ROOT, "deploy/helm/larder");
type Values = Record<string, unknown>;

const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8")) as object;
const defaults = parse(readFileSync(join(CHART, "values.yaml"), "utf8")) as Values;
const fullValues = parse(readFileSync(join(CHART, "ci/full-values.yaml"), "utf8")) as Values;

const isObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's coalescing of a values file over the chart's defaults: maps merge, `null` deletes a key. */
function coalesce(base: Values, over: Values): Values {
  const out: Values = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(current)) out[key] = coalesce(current, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(schema);

function errorsOf(values: Values): string[] {
  if (validate(values) === true) return [];
  return (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ""}`.trim());
}

/** The defaults with one change at a dotted path (`undefined` removes the key). */
function withChange(path: string, value: unknown): Values {
  const values = structuredClone(defaults);
  const keys = path.split(".");
  let node: Values = values;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isObject(next)) node[key] = {};
    node = node[key] as Values;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return values;
}

describe("values.schema.json", () => {
  it("accepts the chart's values.yaml", () => {
    expect(errorsOf(defaults)).toEqual([]);
  });

  it("accepts ci/full-values.yaml over the defaults", () => {
    expect(errorsOf(coalesce(defaults, fullValues))).toEqual([]);
  });

  const BAD: Array<[string, Values, RegExp]> = [
    ["a root-capable pod", withChange("podSecurityContext.runAsNonRoot", false), /\.podSecurityContext\.runAsNonRoot/],
    [
      "a writable root file system setting missing",
      withChange("securityContext.readOnlyRootFilesystem", undefined),
      /readOnlyRootFilesystem/,
    ],
    ["a port out of range", withChange("featureServer.port", 70_000), /\.featureServer\.port/],
    ["a negative max connection age", withChange("registry.maxConnectionAgeMs", -1), /\.registry\.maxConnectionAgeMs/],
    ["a registry the chart sets", withChange("featureStore.registry", "data/registry.db"), /\.featureStore/],
    [
      "an unknown online store",
      withChange("featureStore.online_store", { type: "dynamodb" }),
      /\.featureStore\.online_store\.type/,
    ],
    ["an unknown auth type", withChange("auth.type", "ldap"), /\.auth\.type/],
    ["no registry and no remote address", withChange("registry.enabled", false), /remoteAddress/],
    ["an unknown top-level key", coalesce(defaults, { featureServr: {} }), /should NOT have additional properties/],
    ["a PDB with both bounds", withChange("featureServer.podDisruptionBudget.minAvailable", 1), /podDisruptionBudget/],
    ["a bad pull policy", withChange("image.pullPolicy", "Sometimes"), /\.image\.pullPolicy/],
    [
      "an OTel endpoint without a scheme",
      withChange("metrics.otel.endpoint", "collector:4318"),
      /\.metrics\.otel\.endpoint/,
    ],
    ["a string replica count", withChange("worker.replicas", "2"), /\.worker\.replicas/],
  ];
  it.each(BAD)("rejects %s", (_what, values, expected) => {
    const errors = errorsOf(values);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join("\n")).toMatch(expected);
  });

  it("rejects a bad values file on disk the way a user would write it", () => {
    const bad = parse("featureServer:\n  port: http\nsecurityContext:\n  readOnlyRootFilesystem: no\n") as Values;
    const errors = errorsOf(coalesce(defaults, bad));
    expect(errors.join("\n")).toMatch(/\.featureServer\.port should be integer/);
    // YAML 1.2 (Helm's parser): `no` is a string, not a boolean.
    expect(errors.join("\n")).toMatch(/\.securityContext\.readOnlyRootFilesystem should be boolean/);
  });

  it("accepts an external RegistryServer when the chart deploys none", () => {
    const values = coalesce(defaults, { registry: { enabled: false, remoteAddress: "registry.ml:6570" } });
    expect(errorsOf(values)).toEqual([]);
  });
});

// ---- rendering with helm (skipped, with the reason printed, when helm is not installed) ----

const helmFound = spawnSync("sh", ["-c", "command -v helm"], { stdio: "ignore" }).status === 0;
if (!helmFound) {
  console.warn("helm is not on the PATH: the chart's rendering tests are skipped (values schema tests still run)");
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function helm(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("helm", args, { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function render(valuesFiles: string[]): Manifest[] {
  const args = ["template", "demo", CHART, "--namespace", "ml", ...valuesFiles.flatMap((f) => ["-f", f])];
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

interface Container {
  name: string;
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
  startupProbe?: { grpc?: { port: number } };
  readinessProbe?: { grpc?: { port: number } };
  livenessProbe?: { grpc?: { port: number } };
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: unknown; configMap?: { items: Array<{ key: string }> } }>;
}
const podOf = (d: Manifest): PodSpec => (d.spec as { template: { spec: PodSpec } }).template.spec;
const find = (ms: Manifest[], kind: string, name: string): Manifest | undefined =>
  ms.find((m) => m.kind === kind && m.metadata.name === name);

describe("chart rendering (helm)", () => {
  it("passes helm lint with the defaults and the CI values", (ctx) => {
    if (!helmFound) ctx.skip("helm is not on the PATH");
    for (const extra of [[], ["-f", join(CHART, "ci/full-values.yaml")]]) {
      const r = helm(["lint", CHART, "--strict", ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it("renders the three Deployments with gRPC probes, non-root read-only pods and max connection age", (ctx) => {
    if (!helmFound) ctx.skip("helm is not on the PATH");
    const ms = render([]);
    const registry = find(ms, "Deployment", "demo-larder-registry")!;
    const server = find(ms, "Deployment", "demo-larder-feature-server")!;
    const worker = find(ms, "Deployment", "demo-larder-worker")!;
    for (const [deployment, port, command] of [
      [registry, 6570, "serve-registry"],
      [server, 6566, "serve"],
    ] as const) {
      const pod = podOf(deployment);
      const c = pod.containers[0]!;
      expect(c.args).toContain(command);
      expect(c.args).toContain("--host=0.0.0.0");
      expect(c.args).toContain("--max-connection-age-ms=300000");
      expect(c.startupProbe?.grpc?.port).toBe(port);
      expect(c.readinessProbe?.grpc?.port).toBe(port);
      expect(c.livenessProbe?.grpc?.port).toBe(port);
    }
    expect(podOf(worker).containers[0]!.args).toContain("worker");
    for (const d of [registry, server, worker]) {
      const pod = podOf(d);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.containers[0]!.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(pod.containers[0]!.volumeMounts.find((m) => m.name === "tmp")?.mountPath).toBe("/tmp");
      expect(pod.volumes.find((v) => v.name === "tmp")?.emptyDir).toBeDefined();
    }
    const dbUrl = podOf(registry).containers[0]!.env?.find((e) => e.name === "LARDER_REGISTRY_URL");
    expect(dbUrl?.valueFrom).toEqual({ secretKeyRef: { name: "larder-registry-db", key: "url" } });
    expect(podOf(registry).volumes.find((v) => v.name === "config")?.configMap?.items[0]?.key).toBe(
      "registry-server.yaml",
    );
    expect(find(ms, "HorizontalPodAutoscaler", "demo-larder-feature-server")).toBeDefined();
    expect(find(ms, "PodDisruptionBudget", "demo-larder-registry")).toBeDefined();
    expect(find(ms, "ServiceMonitor", "demo-larder")).toBeUndefined();
    expect(find(ms, "ClusterRole", "demo-larder-auth")).toBeUndefined();
  });

  it("renders feature_store.yaml files that Larder's config loader accepts", async (ctx) => {
    if (!helmFound) ctx.skip("helm is not on the PATH");
    const configMap = find(render([join(CHART, "ci/full-values.yaml")]), "ConfigMap", "demo-larder")!;
    const env = {
      LARDER_REGISTRY_URL: "postgresql://larder:secret@pg:5432/registry",
      LARDER_REDIS_PASSWORD: "r",
      LARDER_OFFLINE_STORE_PASSWORD: "o",
    };
    const load = async (text: string) => {
      const dir = mkdtempSync(join(tmpdir(), "larder-chart-"));
      writeFileSync(join(dir, "feature_store.yaml"), text);
      return loadRepoConfig({ repoPath: dir, env });
    };
    const registryServer = await load(configMap.data!["registry-server.yaml"]!);
    expect(registryServer.registry).toMatchObject({ type: "sql", dialect: "postgres" });
    const featureServer = await load(configMap.data!["feature_store.yaml"]!);
    expect(featureServer.registry).toMatchObject({ type: "remote", target: "demo-larder-registry:6570" });
    expect(featureServer.auth.type).toBe("kubernetes");
    expect(featureServer.featureServer.metrics.enabled).toBe(true);
    expect(featureServer.featureServer.maxEntityRows).toBe(1000);
  });

  it("renders metrics, OTel, Kubernetes-auth RBAC and worker autoscaling when enabled", (ctx) => {
    if (!helmFound) ctx.skip("helm is not on the PATH");
    const ms = render([join(CHART, "ci/full-values.yaml")]);
    expect(find(ms, "ServiceMonitor", "demo-larder")).toBeDefined();
    expect(find(ms, "HorizontalPodAutoscaler", "demo-larder-worker")).toBeDefined();
    const role = find(ms, "ClusterRole", "demo-larder-auth") as unknown as {
      rules: Array<{ resources: string[]; verbs: string[] }>;
    };
    expect(role.rules).toContainEqual(expect.objectContaining({ resources: ["tokenreviews"], verbs: ["create"] }));
    expect(role.rules).toContainEqual(expect.objectContaining({ resources: ["rolebindings", "clusterrolebindings"] }));
    const env = podOf(find(ms, "Deployment", "demo-larder-feature-server")!).containers[0]!.env ?? [];
    expect(env.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).toBe(
      "http://otel-collector.observability:4318",
    );
  });

  it("refuses to render values that break the schema", (ctx) => {
    if (!helmFound) ctx.skip("helm is not on the PATH");
    const file = join(mkdtempSync(join(tmpdir(), "larder-chart-")), "bad.yaml");
    writeFileSync(file, stringify({ podSecurityContext: { runAsNonRoot: false } }));
    const r = helm(["template", "demo", CHART, "-f", file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/runAsNonRoot/);
  });
});
