import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import {
  AbortedError,
  FailedPreconditionError,
  InvalidArgumentError,
  PermissionDeniedError,
  UnavailableError,
  type LarderError,
  type S3RegistryOptions,
} from "@larder/core";

/** A bucket and key parsed from `s3://bucket/key`. */
export interface S3Location {
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
}

/** Parses `s3://bucket/path/to/object`; anything else is INVALID_ARGUMENT. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new InvalidArgumentError(`${JSON.stringify(uri)} is not an S3 object URI; use s3://bucket/path/registry.pb`);
  }
  return { uri, bucket: match[1], key: match[2] };
}

/** Timeouts and retries sized for a registry: an unreachable store fails in seconds, not minutes. */
const CLIENT_DEFAULTS = {
  maxAttempts: 2,
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
} as const;

/** An S3 client for any S3-compatible store; region and credentials come from the AWS SDK's chain. */
export function createS3Client(options: S3RegistryOptions | undefined): S3Client {
  const config: S3ClientConfig = {
    maxAttempts: CLIENT_DEFAULTS.maxAttempts,
    requestHandler: {
      connectionTimeout: CLIENT_DEFAULTS.connectionTimeoutMs,
      requestTimeout: CLIENT_DEFAULTS.requestTimeoutMs,
    },
    forcePathStyle: options?.forcePathStyle ?? false,
    // Checksums only where S3 requires them: several S3-compatible stores reject the SDK's newer
    // default (CRC32 on every request, aws-chunked bodies).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  if (options?.endpointOverride !== undefined) config.endpoint = options.endpointOverride;
  return new S3Client(config);
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** Maps an AWS SDK error to Larder's codes: conflicts ABORTED, outages UNAVAILABLE, access PERMISSION_DENIED. */
export function s3Error(error: unknown, location: S3Location, action: string): LarderError {
  const e = (error ?? {}) as SdkError;
  const status = statusOf(error);
  const where = `${action} ${location.uri}`;
  const options = { cause: error };
  if (e.name === "PreconditionFailed" || e.name === "ConditionalRequestConflict" || status === 412) {
    return new AbortedError(
      `The registry at ${location.uri} was changed by another writer while this update was prepared; plan again and retry`,
      options,
    );
  }
  if (e.name === "NoSuchBucket") {
    return new FailedPreconditionError(
      `${where}: bucket "${location.bucket}" does not exist; create it first`,
      options,
    );
  }
  if (e.name === "AccessDenied" || e.name === "InvalidAccessKeyId" || e.name === "SignatureDoesNotMatch") {
    return new PermissionDeniedError(
      `${where}: access denied; check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and the bucket policy`,
      options,
    );
  }
  if (e.name === "CredentialsProviderError") {
    return new FailedPreconditionError(
      `${where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role`,
      options,
    );
  }
  if (/region is missing/i.test(e.message ?? "")) {
    return new FailedPreconditionError(`${where}: no AWS region configured; set AWS_REGION`, options);
  }
  if (status !== undefined && status < 500 && status !== 429) {
    return new FailedPreconditionError(`${where} failed with HTTP ${status} (${e.name ?? "error"})`, options);
  }
  // Connection refused or reset, timeouts, throttling and 5xx: the store is unreachable for now.
  return new UnavailableError(
    `${where}: the object store is unreachable (${e.code ?? e.name ?? "error"}); retry later`,
    options,
  );
}

export type GetResult =
  | { readonly kind: "missing" }
  | { readonly kind: "not-modified" }
  | { readonly kind: "found"; readonly body: Uint8Array; readonly etag: string };

/** Reads an object; with `ifNoneMatch` an unchanged object answers 304 and no body crosses the wire. */
export async function getObject(client: S3Client, location: S3Location, ifNoneMatch?: string): Promise<GetResult> {
  try {
    const output = await client.send(
      new GetObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        ...(ifNoneMatch !== undefined && { IfNoneMatch: ifNoneMatch }),
      }),
    );
    if (output.Body === undefined) throw new Error("GetObject returned no body");
    const body = await output.Body.transformToByteArray();
    return { kind: "found", body, etag: output.ETag ?? "" };
  } catch (error) {
    if (statusOf(error) === 304) return { kind: "not-modified" };
    if ((error as SdkError).name === "NoSuchKey") return { kind: "missing" };
    throw s3Error(error, location, "reading");
  }
}

/** The precondition of a write: replace exactly the version read, or create only if absent. */
export type WritePrecondition = { readonly ifMatch: string } | { readonly ifNoneMatch: "*" };

/** Writes an object under a precondition; returns the new ETag. A failed precondition is ABORTED. */
export async function putObject(
  client: S3Client,
  location: S3Location,
  body: Uint8Array,
  precondition: WritePrecondition,
  parameters: Readonly<Record<string, string>> = {},
): Promise<string | undefined> {
  const input: PutObjectCommandInput = {
    ...(parameters as Partial<PutObjectCommandInput>),
    Bucket: location.bucket,
    Key: location.key,
    Body: body,
    ContentType: parameters.ContentType ?? "application/octet-stream",
    ...("ifMatch" in precondition ? { IfMatch: precondition.ifMatch } : { IfNoneMatch: precondition.ifNoneMatch }),
  };
  try {
    const output = await client.send(new PutObjectCommand(input));
    return output.ETag;
  } catch (error) {
    throw s3Error(error, location, "writing");
  }
}
