import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clone, create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { silentLogger, validateAuthConfig, type LarderServer } from "@larder/core";
import { FeatureViewSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import {
  AuthzedAction as A,
  PermissionSchema,
  PermissionSpec_Type as T,
  type Permission,
} from "@larder/gen/es/larder/core/v1/permission_pb";
import {
  RegistryService,
  RepoContentsSchema,
  type RepoContents,
} from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidcAuthYaml, startOidcIssuer, type OidcIssuer } from "../../../../test/harness/oidc-issuer.js";
import { createSqliteBackend } from "../../src/backends/sqlite-backend.js";
import { createRegistryServer } from "../../src/registry-server.js";
import { RegistryStore } from "../../src/registry-store.js";
import { driverRepo } from "../repo-fixture.js";

// The permission matrix on a real RegistryServer (SQLite store) with tokens from a real OIDC issuer on
// loopback, over gRPC and over Connect JSON on HTTP/1.1.

const PROJECT = "perm_reg";

function permission(
  name: string,
  types: T[],
  patterns: string[],
  actions: A[],
  roles: string[],
  requiredTags: Record<string, string> = {},
): Permission {
  return create(PermissionSchema, {
    spec: {
      name,
      project: PROJECT,
      types,
      namePatterns: patterns,
      actions,
      requiredTags,
      policy: { policyType: { case: "roleBasedPolicy", value: { roles } } },
    },
  });
}

const PERMISSIONS = [
  permission(
    "describe-driver",
    [T.FEATURE_VIEW, T.FEATURE_SERVICE, T.ENTITY, T.DATA_SOURCE, T.PROJECT],
    ["driver.*", PROJECT],
    [A.DESCRIBE],
    ["reader", "writer", "updater", "admin"],
  ),
  permission("edit-driver-views", [T.FEATURE_VIEW], ["driver_.*"], [A.DESCRIBE, A.UPDATE], ["writer"], {
    team: "risk",
  }),
  // UPDATE alone: with describe-driver's DESCRIBE, two permissions but never both actions from one.
  permission("update-only", [T.FEATURE_VIEW], ["driver_.*"], [A.UPDATE], ["updater"]),
  permission("create-new", [T.FEATURE_VIEW], ["new_.*"], [A.CREATE], ["writer"]),
  permission("delete-driver-views", [T.FEATURE_VIEW], ["driver_.*"], [A.DELETE], ["admin"]),
];

/** The repo: driverRepo's objects (the view tagged team=risk), a secret view, and the permissions. */
function contents(
  options: { description?: string; viewTags?: Record<string, string>; extraView?: string; permissions?: boolean } = {},
): RepoContents {
  const repo = driverRepo(PROJECT);
  const view = repo.featureViews[0]!;
  const secret = clone(FeatureViewSchema, view);
  secret.spec!.name = "secret_stats";
  secret.spec!.tags = { team: "secret" };
  repo.featureViews.push(secret);
  if (options.extraView !== undefined) {
    const extra = clone(FeatureViewSchema, view);
    extra.spec!.name = options.extraView;
    repo.featureViews.push(extra);
  }
  // Only driver_hourly_stats changes between calls.
  view.spec!.tags = options.viewTags ?? { team: "risk" };
  view.spec!.description = options.description ?? "";
  if (options.permissions !== false) repo.permissions.push(...PERMISSIONS);
  return repo;
}

interface Harness {
  readonly base: string;
  readonly store: RegistryStore;
  client(token?: string): Client<typeof RegistryService>;
  close(): Promise<void>;
}

async function startHarness(
  issuer: OidcIssuer,
  seed: RepoContents,
  uncovered: "deny" | "allow_authenticated",
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "larder-registry-permissions-"));
  const store = await RegistryStore.open(createSqliteBackend(join(dir, "registry.db")));
  await store.apply(seed);
  const server: LarderServer = createRegistryServer(
    store,
    {
      server: { port: 0 },
      auth: validateAuthConfig(oidcAuthYaml(issuer, { default_policy_for_uncovered: uncovered })),
    },
    silentLogger(),
  );
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    store,
    client(token) {
      const bearer: Interceptor = (next) => (req) => {
        if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
        return next(req);
      };
      return createClient(RegistryService, createGrpcTransport({ baseUrl: base, interceptors: [bearer] }));
    },
    close: () => server.shutdown(),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** A Connect JSON call over HTTP/1.1, as a browser or curl makes it. */
async function connectJson(
  base: string,
  method: string,
  body: unknown,
  token: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/larder.registry.v1.RegistryService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const names = (objects: ReadonlyArray<{ spec?: { name: string } | undefined }>): string[] =>
  objects.map((o) => o.spec?.name ?? "").sort();

let issuer: OidcIssuer;
let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  issuer = await startOidcIssuer();
  h = await startHarness(issuer, contents(), "deny");
  for (const role of ["reader", "writer", "updater", "admin"]) {
    tokens[role] = await issuer.sign({ preferred_username: `${role}-user`, roles: [role] });
  }
  tokens.nobody = await issuer.sign({ preferred_username: "nobody" });
});

afterAll(async () => {
  await h.close();
  await issuer.close();
});

describe("RegistryServer permissions: reads (DESCRIBE)", () => {
  it("filters listings to what the caller may describe, over gRPC and Connect JSON", async () => {
    const reader = h.client(tokens.reader);
    expect(names((await reader.listFeatureViews({ project: PROJECT })).featureViews)).toEqual(["driver_hourly_stats"]);
    expect(names((await reader.listFeatureServices({ project: PROJECT })).featureServices)).toEqual([
      "driver_activity",
    ]);
    expect(names((await reader.listProjects({})).projects)).toEqual([PROJECT]);
    const http = await connectJson(h.base, "ListFeatureViews", { project: PROJECT }, tokens.reader!);
    expect(http.status).toBe(200);
    expect((http.json.featureViews as Array<{ spec: { name: string } }>).map((v) => v.spec.name)).toEqual([
      "driver_hourly_stats",
    ]);
  });

  it("answers an empty listing, not an error, to a caller who may describe nothing", async () => {
    const nobody = h.client(tokens.nobody);
    expect((await nobody.listFeatureViews({ project: PROJECT })).featureViews).toEqual([]);
    expect((await nobody.listProjects({})).projects).toEqual([]);
    expect((await nobody.listPermissions({ project: PROJECT })).permissions).toEqual([]);
  });

  it("refuses Get of an object the caller may not describe: PERMISSION_DENIED / 403", async () => {
    const reader = h.client(tokens.reader);
    expect(await codeOf(reader.getFeatureView({ project: PROJECT, name: "driver_hourly_stats" }))).toBe("ok");
    expect(await codeOf(reader.getFeatureView({ project: PROJECT, name: "secret_stats" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(reader.getPermission({ project: PROJECT, name: "describe-driver" }))).toBe(
      Code.PermissionDenied,
    );
    const http = await connectJson(
      h.base,
      "GetFeatureView",
      { project: PROJECT, name: "secret_stats" },
      tokens.reader!,
    );
    expect(http.status).toBe(403);
    expect(http.json.code).toBe("permission_denied");
    expect(String(http.json.message)).toContain("DESCRIBE");
    expect(String(http.json.message)).toContain('"secret_stats"');
  });

  it("filters the snapshot servers load the same way", async () => {
    const { registry } = await h.client(tokens.reader).getSnapshot({});
    expect(names(registry?.featureViews ?? [])).toEqual(["driver_hourly_stats"]);
    expect(registry?.permissions).toEqual([]);
    expect(registry?.version).toBe((await h.store.version()).version);
  });
});

describe("RegistryServer permissions: apply and delete (CREATE, DESCRIBE+UPDATE, DELETE)", () => {
  it("lets a writer update a view its permission covers, and refuses a reader the same apply", async () => {
    const before = (await h.store.version()).version;
    expect(await codeOf(h.client(tokens.reader).apply({ desired: contents({ description: "by reader" }) }))).toBe(
      Code.PermissionDenied,
    );
    expect((await h.store.version()).version).toBe(before);
    const applied = await h.client(tokens.writer).apply({ desired: contents({ description: "by writer" }) });
    expect(applied.registryVersion).toBe(before + 1n);
  });

  it("needs DESCRIBE and UPDATE from one permission", async () => {
    expect(await codeOf(h.client(tokens.updater).apply({ desired: contents({ description: "by updater" }) }))).toBe(
      Code.PermissionDenied,
    );
  });

  it("applies required tags to the new definition too: a writer cannot retag a view out of team=risk", async () => {
    const desired = toJson(RepoContentsSchema, contents({ viewTags: { team: "ops" } }));
    const http = await connectJson(h.base, "Apply", { desired }, tokens.writer!);
    expect(http.status).toBe(403);
    expect(String(http.json.message)).toContain("UPDATE");
  });

  it("needs CREATE for a new object, per its name", async () => {
    const writer = h.client(tokens.writer);
    expect(
      await codeOf(writer.plan({ desired: contents({ description: "by writer", extraView: "other_view" }) })),
    ).toBe("ok");
    expect(
      await codeOf(writer.apply({ desired: contents({ description: "by writer", extraView: "other_view" }) })),
    ).toBe(Code.PermissionDenied);
    expect(await codeOf(writer.apply({ desired: contents({ description: "by writer", extraView: "new_view" }) }))).toBe(
      "ok",
    );
  });

  it("needs DELETE for objects an apply removes, unless skip_deletes keeps them", async () => {
    const withoutSecret = contents({ description: "by writer", extraView: "new_view" });
    withoutSecret.featureViews = withoutSecret.featureViews.filter((v) => v.spec?.name !== "secret_stats");
    const writer = h.client(tokens.writer);
    expect(await codeOf(writer.apply({ desired: withoutSecret }))).toBe(Code.PermissionDenied);
    expect(await codeOf(writer.apply({ desired: withoutSecret, skipDeletes: true }))).toBe("ok");
    expect((await h.store.snapshot()).featureViews.map((v) => v.spec?.name)).toContain("secret_stats");
  });

  it("needs DELETE to delete, checked before the object's own rules", async () => {
    expect(
      await codeOf(h.client(tokens.writer).deleteFeatureView({ project: PROJECT, name: "driver_hourly_stats" })),
    ).toBe(Code.PermissionDenied);
    // admin may delete it; the registry then refuses because a feature service uses the view.
    expect(
      await codeOf(h.client(tokens.admin).deleteFeatureView({ project: PROJECT, name: "driver_hourly_stats" })),
    ).toBe(Code.FailedPrecondition);
    expect(await codeOf(h.client(tokens.admin).deleteProject({ name: PROJECT }))).toBe(Code.PermissionDenied);
  });
});

describe("RegistryServer permissions: no permissions at all", () => {
  it("denies every object by default: empty listings, PERMISSION_DENIED on reads and writes", async () => {
    const bare = await startHarness(issuer, contents({ permissions: false }), "deny");
    try {
      const writer = bare.client(tokens.writer);
      expect((await writer.listFeatureViews({ project: PROJECT })).featureViews).toEqual([]);
      expect(await codeOf(writer.getFeatureView({ project: PROJECT, name: "driver_hourly_stats" }))).toBe(
        Code.PermissionDenied,
      );
      expect(await codeOf(writer.apply({ desired: contents({ permissions: false, description: "x" }) }))).toBe(
        Code.PermissionDenied,
      );
    } finally {
      await bare.close();
    }
  });

  it("opens everything to authenticated callers with allow_authenticated, and nothing without a token", async () => {
    const open = await startHarness(issuer, contents({ permissions: false }), "allow_authenticated");
    try {
      const nobody = open.client(tokens.nobody);
      expect(names((await nobody.listFeatureViews({ project: PROJECT })).featureViews)).toEqual([
        "driver_hourly_stats",
        "secret_stats",
      ]);
      expect(await codeOf(nobody.apply({ desired: contents({ permissions: false, description: "x" }) }))).toBe("ok");
      expect(await codeOf(open.client().listFeatureViews({ project: PROJECT }))).toBe(Code.Unauthenticated);
    } finally {
      await open.close();
    }
  });
});
