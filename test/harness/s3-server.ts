import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

// A small S3-compatible server on loopback for tests, path-style only (`/bucket/key`). It implements
// what the AWS SDK calls for a registry object: CreateBucket, HeadBucket, GetObject and HeadObject
// (with If-Match / If-None-Match → 412 / 304), PutObject (with If-Match / If-None-Match: * → 412
// PreconditionFailed, as S3 does since 2024) and DeleteObject, with quoted MD5 ETags and S3's XML
// errors. s3rver 3.7 was not used: it ignores conditional PUT headers, so it cannot test the
// registry's compare-and-swap. Signatures are not checked; credentials only need to be present.

interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`, for `s3_endpoint_override`. */
  readonly endpoint: string;
  readonly port: number;
  /** Objects by `bucket/key`. */
  readonly objects: ReadonlyMap<string, StoredObject>;
  /** Requests seen, as `METHOD /bucket/key status`, for assertions on conditional traffic. */
  readonly log: string[];
  createBucket(name: string): void;
  /** Delays each PutObject by `ms` before its precondition is checked, so concurrent writers overlap. */
  setPutDelayMs(ms: number): void;
  close(): Promise<void>;
}

function xmlError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>${resource}</Resource><RequestId>larder-test</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  // aws-chunked bodies (the SDK's streaming checksums): "<hex size>[;ext]\r\n<data>\r\n" ... "0\r\n<trailers>".
  if ((req.headers["content-encoding"] ?? "").includes("aws-chunked")) {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = raw.indexOf("\r\n", offset);
      if (lineEnd < 0) break;
      const size = parseInt(raw.subarray(offset, lineEnd).toString("latin1").split(";")[0] ?? "0", 16);
      if (!Number.isFinite(size) || size === 0) break;
      parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    return Buffer.concat(parts);
  }
  return raw;
}

/** Whether an If-Match / If-None-Match header value matches `etag` (`*` matches any existing object). */
function matches(header: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  return header
    .split(",")
    .map((part) => part.trim())
    .some((tag) => tag === "*" || tag === etag || tag === `W/${etag}`);
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startS3Server(): Promise<S3TestServer> {
  const buckets = new Set<string>();
  const objects = new Map<string, StoredObject>();
  const log: string[] = [];
  const sockets = new Set<Socket>();
  let putDelayMs = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const resource = url.pathname;
    const method = req.method ?? "GET";
    const done = (status: number): void => {
      log.push(`${method} ${resource} ${status}`);
    };
    if (bucket === "") {
      xmlError(res, 400, "InvalidRequest", "Path-style bucket required", resource);
      return done(400);
    }
    if (key === "") {
      if (method === "PUT") {
        await readBody(req);
        buckets.add(bucket);
        res.writeHead(200, { location: `/${bucket}`, "content-length": 0 });
        res.end();
        return done(200);
      }
      if (method === "HEAD") {
        res.writeHead(buckets.has(bucket) ? 200 : 404, { "content-length": 0 });
        res.end();
        return done(buckets.has(bucket) ? 200 : 404);
      }
      xmlError(res, 501, "NotImplemented", "Only bucket create and head are implemented", resource);
      return done(501);
    }
    if (!buckets.has(bucket)) {
      await readBody(req);
      xmlError(res, 404, "NoSuchBucket", "The specified bucket does not exist", resource);
      return done(404);
    }
    const id = `${bucket}/${key}`;
    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];

    if (method === "GET" || method === "HEAD") {
      const object = objects.get(id);
      if (object === undefined) {
        if (method === "HEAD") {
          res.writeHead(404, { "content-length": 0 });
          res.end();
        } else {
          xmlError(res, 404, "NoSuchKey", "The specified key does not exist.", resource);
        }
        return done(404);
      }
      if (ifMatch !== undefined && !matches(ifMatch, object.etag)) {
        xmlError(
          res,
          412,
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold",
          resource,
        );
        return done(412);
      }
      if (ifNoneMatch !== undefined && matches(ifNoneMatch, object.etag)) {
        res.writeHead(304, { etag: object.etag, "last-modified": object.lastModified.toUTCString() });
        res.end();
        return done(304);
      }
      res.writeHead(200, {
        etag: object.etag,
        "last-modified": object.lastModified.toUTCString(),
        "content-type": object.contentType,
        "content-length": object.body.length,
        "accept-ranges": "bytes",
      });
      res.end(method === "HEAD" ? undefined : object.body);
      return done(200);
    }

    if (method === "PUT") {
      const body = await readBody(req);
      if (putDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, putDelayMs));
      // The precondition is checked and the object replaced in one synchronous step, as S3's
      // conditional writes are atomic per key.
      const existing = objects.get(id);
      const failed =
        (ifMatch !== undefined && !matches(ifMatch, existing?.etag)) ||
        (ifNoneMatch !== undefined && matches(ifNoneMatch, existing?.etag));
      if (failed) {
        xmlError(
          res,
          412,
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold",
          resource,
        );
        return done(412);
      }
      const etag = `"${createHash("md5").update(body).digest("hex")}"`;
      objects.set(id, {
        body,
        etag,
        lastModified: new Date(),
        contentType: req.headers["content-type"] ?? "application/octet-stream",
      });
      res.writeHead(200, { etag, "content-length": 0 });
      res.end();
      return done(200);
    }

    if (method === "DELETE") {
      objects.delete(id);
      res.writeHead(204);
      res.end();
      return done(204);
    }

    await readBody(req);
    xmlError(res, 501, "NotImplemented", `${method} is not implemented`, resource);
    return done(501);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) xmlError(res, 500, "InternalError", String(error), req.url ?? "/");
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    objects,
    log,
    createBucket: (name) => buckets.add(name),
    setPutDelayMs: (ms) => {
      putDelayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; the SDK reconnects on its own.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
