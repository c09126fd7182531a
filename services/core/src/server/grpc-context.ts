import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";

/** Reason given when a finished call's signal is ended (a constant: no error object per call). */
const CALL_ENDED = new ConnectError("The call has ended", Code.Canceled);

/** AbortControllers of calls in flight whose handler asked for a signal; aborted together at shutdown. */
export class LiveSignals {
  private readonly controllers = new Set<AbortController>();
  private shutdownReason: unknown;

  constructor(shutdownSignal: AbortSignal) {
    shutdownSignal.addEventListener(
      "abort",
      () => {
        this.shutdownReason = new ConnectError("The server is shutting down", Code.Unavailable);
        for (const controller of this.controllers) controller.abort(this.shutdownReason);
        this.controllers.clear();
      },
      { once: true },
    );
  }

  add(controller: AbortController): void {
    if (this.shutdownReason !== undefined) controller.abort(this.shutdownReason);
    else this.controllers.add(controller);
  }

  delete(controller: AbortController): void {
    this.controllers.delete(controller);
  }
}

const DEADLINE_SLACK_MS = 5;

type ServerCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

function headersFromMetadata(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    headers.set(key, typeof value === "string" ? value : value.toString("base64"));
  }
  return headers;
}

function metadataFromHeaders(headers: Headers): grpc.Metadata {
  const metadata = new grpc.Metadata();
  headers.forEach((value, key) => {
    if (key.endsWith("-bin")) metadata.set(key, Buffer.from(value, "base64"));
    else metadata.set(key, value);
  });
  return metadata;
}

/**
 * The HandlerContext of a grpc-js call, built lazily: headers, trailers, values and the AbortSignal
 * exist only once something reads them, so a call whose handler and interceptors touch none of them
 * allocates one object. (Connect's createHandlerContext made three Headers, two AbortControllers, a
 * listener on the shared shutdown signal and a deadline timer per call: ≈ 60 µs.)
 *
 * The signal aborts when grpc-js reports the call cancelled (client gone, or grpc-js's own deadline
 * timer answered DEADLINE_EXCEEDED), when the server shuts down, and when the call ends.
 */
export class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  private headerIn: Headers | undefined;
  private headerOut: Headers | undefined;
  private trailerOut: Headers | undefined;
  private contextValues: ContextValues | undefined;
  private controller: AbortController | undefined;
  private ended = false;
  private readonly onCancel = (): void => this.cancelled();

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    readonly url: string,
    private readonly call: ServerCall,
    private readonly live: LiveSignals,
  ) {}

  get requestHeader(): Headers {
    return (this.headerIn ??= headersFromMetadata(this.call.metadata));
  }

  get responseHeader(): Headers {
    return (this.headerOut ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.trailerOut ??= new Headers());
  }

  get values(): ContextValues {
    return (this.contextValues ??= createContextValues());
  }

  readonly timeoutMs = (): number | undefined => {
    const deadline = this.deadlineMs();
    return Number.isFinite(deadline) ? deadline - Date.now() : undefined;
  };

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.ended) controller.abort(CALL_ENDED);
      else if (this.call.cancelled) this.cancelled();
      else {
        this.call.once("cancelled", this.onCancel);
        this.live.add(controller);
      }
    }
    return this.controller.signal;
  }

  /** Trailers a handler set, as grpc-js metadata; undefined when none were touched. */
  trailerMetadata(): grpc.Metadata | undefined {
    return this.trailerOut === undefined ? undefined : metadataFromHeaders(this.trailerOut);
  }

  /** Ends the call's context: its signal (if any) aborts with a constant reason and is forgotten. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const controller = this.controller;
    if (controller === undefined) return;
    this.call.removeListener("cancelled", this.onCancel);
    this.live.delete(controller);
    controller.abort(CALL_ENDED);
  }

  private deadlineMs(): number {
    const deadline = this.call.getDeadline();
    return deadline instanceof Date ? deadline.getTime() : deadline;
  }

  private cancelled(): void {
    const controller = this.controller;
    if (controller === undefined || controller.signal.aborted) return;
    this.live.delete(controller);
    // grpc-js's own deadline timer ends the call and then reports it cancelled; a few ms of slack
    // absorb timer and clock rounding.
    const expired = Date.now() + DEADLINE_SLACK_MS >= this.deadlineMs();
    controller.abort(
      expired
        ? new ConnectError("The call's deadline was exceeded", Code.DeadlineExceeded)
        : new ConnectError("The client cancelled the call", Code.Canceled),
    );
  }
}
