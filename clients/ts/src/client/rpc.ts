import { Client, Metadata, type CallOptions, type ClientReadableStream } from "@grpc/grpc-js";
import { clientError, toClientError, type ClientErrorCode, type LarderClientError } from "./errors.js";
import type { ValidatedClientOptions } from "./options.js";

/** One method of a ts-proto `...Service` definition (path and codecs). */
export interface MethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

/** Per-call options every client method takes. */
export interface CallSettings {
  /** Deadline of this call, all attempts included (overrides the client's). */
  readonly deadlineMs?: number;
  /** Cancels the call (CancelledError). */
  readonly signal?: AbortSignal;
}

/**
 * Which status codes a call may be retried on:
 * - UNAVAILABLE: the server refused the connection, is restarting or draining, or a store is briefly
 *   down; nothing was done, or (for reads) doing it again is harmless.
 * - RESOURCE_EXHAUSTED: the server shed load; only reads, since a write may be half-applied when a
 *   message limit is hit on the way back.
 * Push is not idempotent and is retried only when the caller asks (with an idempotency key).
 */
export type RetryClass = "idempotent-read" | "write" | "none";

const RETRYABLE: Readonly<Record<RetryClass, readonly ClientErrorCode[]>> = {
  "idempotent-read": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
  write: ["UNAVAILABLE"],
  none: [],
};

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(clientError("CANCELLED", "the call was cancelled"));
    }
    signal?.addEventListener("abort", abort, { once: true });
  });

/** Calls over one grpc-js channel with deadlines, token injection and the retry policy. */
export class Rpc {
  private readonly client: Client;

  constructor(
    target: string,
    private readonly options: ValidatedClientOptions,
  ) {
    this.client = new Client(target, options.credentials, options.channelOptions);
  }

  close(): void {
    this.client.close();
  }

  /** A unary call: retried per `retry`, UNAUTHENTICATED answered once by a fresh token. */
  async unary<Req, Res>(
    method: MethodDefinition<Req, Res>,
    request: Req,
    settings: CallSettings = {},
    retry: RetryClass = "idempotent-read",
  ): Promise<Res> {
    const deadline = Date.now() + (settings.deadlineMs ?? this.options.deadlineMs);
    return this.withRetries(method.path, deadline, settings.signal, retry, async () => {
      const metadata = await this.metadata();
      return new Promise<Res>((resolve, reject) => {
        const call = this.client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline },
          (error, value) => {
            settings.signal?.removeEventListener("abort", cancel);
            if (error !== null) reject(toClientError(error, method.path));
            else if (value === undefined) reject(clientError("INTERNAL", "empty response", method.path));
            else resolve(value);
          },
        );
        const cancel = (): void => call.cancel();
        settings.signal?.addEventListener("abort", cancel, { once: true });
      });
    });
  }

  /**
   * A server-streaming call as an async iterator. Retries (for `idempotent-read`) happen only
   * before the first message arrives, so no message is ever delivered twice.
   */
  async *serverStream<Req, Res>(
    method: MethodDefinition<Req, Res>,
    request: Req,
    settings: CallSettings = {},
    retry: RetryClass = "none",
  ): AsyncGenerator<Res> {
    const deadlineMs = settings.deadlineMs ?? this.options.streamDeadlineMs;
    const deadline = deadlineMs === undefined ? Infinity : Date.now() + deadlineMs;
    let stream: ClientReadableStream<Res> | undefined;
    let first: IteratorResult<Res> | undefined;
    let iterator: AsyncIterator<Res> | undefined;
    const cancel = (): void => stream?.cancel();
    settings.signal?.addEventListener("abort", cancel, { once: true });
    try {
      await this.withRetries(method.path, deadline, settings.signal, retry, async () => {
        const metadata = await this.metadata();
        const options: Partial<CallOptions> = deadline === Infinity ? {} : { deadline };
        stream = this.client.makeServerStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          options,
        );
        iterator = (stream as AsyncIterable<Res>)[Symbol.asyncIterator]();
        try {
          first = await iterator.next();
        } catch (error) {
          throw toClientError(error, method.path);
        }
      });
      if (first === undefined || iterator === undefined || first.done === true) return;
      yield first.value;
      for (;;) {
        let next: IteratorResult<Res>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw toClientError(error, method.path);
        }
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      settings.signal?.removeEventListener("abort", cancel);
      stream?.cancel();
    }
  }

  private async metadata(): Promise<Metadata> {
    const metadata = new Metadata();
    const token = await this.options.tokenProvider?.token();
    if (token !== undefined && token !== "") metadata.set("authorization", `Bearer ${token}`);
    return metadata;
  }

  private async withRetries<T>(
    path: string,
    deadline: number,
    signal: AbortSignal | undefined,
    retry: RetryClass,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.options.retry;
    const retryable = RETRYABLE[retry];
    const aborted = (): boolean => signal?.aborted === true;
    let reauthenticated = false;
    for (let n = 1; ; n++) {
      if (aborted()) throw clientError("CANCELLED", "the call was cancelled", path);
      let failure: LarderClientError;
      try {
        return await attempt();
      } catch (error) {
        failure = toClientError(error, path);
      }
      if (failure.code === "UNAUTHENTICATED" && this.options.tokenProvider !== undefined && !reauthenticated) {
        // A token that expired or was revoked: fetch a fresh one and try once more, outside the retry budget.
        reauthenticated = true;
        this.options.tokenProvider.invalidate();
        n--;
        continue;
      }
      if (failure.code === "CANCELLED" && aborted()) throw failure;
      if (n >= maxAttempts || !retryable.includes(failure.code)) throw failure;
      const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (n - 1));
      const delay = Math.random() * ceiling; // full jitter (AWS architecture blog, "Exponential Backoff and Jitter")
      // Another attempt could not finish before the deadline: report what actually went wrong.
      if (Date.now() + delay >= deadline) throw failure;
      await sleep(delay, signal);
    }
  }
}
