import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { UnavailableError } from "@larder/core";
import { REDIS_UNAVAILABLE_MESSAGE, mapRedisError } from "./redis-errors.js";
import { RespSpanParser, type RespReply } from "./resp-span-parser.js";
import { ByteSlab } from "./slabs.js";

// The hot read path's own connection to a standalone Redis: MGETs written as raw RESP and their replies
// read as spans of one buffer (resp-span-parser.ts), bypassing ioredis's per-command objects, timer and
// per-element reply parsing. Everything else (writes, scans, Sentinel, Cluster) stays on ioredis, which
// also serves reads whenever this connection is not ready (connecting, reconnecting, refused auth).

/** Where and how to connect: the standalone Redis of the online store's connection string. */
export interface RawMgetOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls: boolean;
  readonly db: number;
  /** A request without its reply by then fails with UnavailableError. */
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Upper bound of the reconnect back-off (n × 50 ms). */
  readonly maxReconnectDelayMs: number;
  readonly onError: (error: Error) => void;
}

/** The values of one caller's keys: key `i` is `buffer[spans[2(first + i)] .. spans[2(first + i) + 1])`, nil when the start is -1. */
export interface MgetSpans {
  readonly buffer: Buffer;
  readonly spans: Int32Array;
  readonly first: number;
}

interface Waiter {
  readonly first: number;
  readonly resolve: (reply: MgetSpans) => void;
  readonly reject: (error: unknown) => void;
}

/** A command on the wire, answered in order. */
interface Sent {
  readonly sentAt: number;
  /** Callers of an MGET; undefined for a handshake command (AUTH, SELECT, CLIENT SETNAME). */
  readonly waiters: Waiter[] | undefined;
  /** A handshake command whose refusal does not matter (CLIENT SETNAME under a restrictive ACL). */
  readonly optional?: boolean;
  settled: boolean;
}

/** The connection's name in CLIENT LIST. */
export const RAW_READS_CLIENT_NAME = "larder-raw-reads";

/** Keys past which a batch goes out at once instead of waiting for the end of the event-loop turn. */
const MAX_KEYS_PER_MGET = 4096;
const MGET_HEADER = Buffer.from("\r\n$4\r\nMGET\r\n", "latin1");
/** The plain-TCP socket's one read buffer (Node reads into it instead of a new ArrayBuffer per read). */
const READ_BUFFER_BYTES = 64 * 1024;

/** `*<n>\r\n`-style header bytes of a number. */
function headerLength(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length;
}

function writeNumber(out: Buffer, at: number, n: number): number {
  const text = n < 10 ? undefined : String(n);
  if (text === undefined) {
    out[at] = 0x30 + n;
    return at + 1;
  }
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** A RESP command of bulk-string arguments. */
function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""), "utf8");
}

const unavailable = (cause: string): UnavailableError =>
  new UnavailableError(REDIS_UNAVAILABLE_MESSAGE, { cause: new Error(cause) });

/**
 * MGETs on a dedicated socket. Concurrent callers share one MGET per event-loop turn (each gets its
 * span of the reply); replies are matched to commands in order. A command unanswered after the
 * command timeout fails with UnavailableError (its late reply is dropped); a closed socket fails what
 * is in flight and reconnects with back-off. Callers use it only while `ready`.
 */
export class RawMgetConnection {
  private socket: Socket | undefined;
  private readonly parser: RespSpanParser;
  private inFlight: (Sent | undefined)[] = [];
  private head = 0;
  private handshakes = 0;
  private connected = false;
  private closed = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  // The batch being gathered for the next MGET.
  private prefixes: Buffer[] = [];
  private keys: Uint8Array[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

  constructor(private readonly options: RawMgetOptions) {
    // Over plain TCP the socket reads into one reused buffer and replies are copied out into slabs:
    // a new ArrayBuffer per read costs the young-generation GC a sweep each (slabs.ts). TLS sockets
    // read as streams (one buffer per chunk, owned by the parser).
    this.parser = new RespSpanParser((reply) => this.answer(reply), options.tls ? undefined : new ByteSlab());
    // One coarse timer for every command (they share one timeout and are answered in order) instead of a
    // timer per command: a command fails between 1× and 1.2× the timeout.
    this.ticker = setInterval(() => this.expire(), Math.max(5, Math.round(options.commandTimeoutMs / 5)));
    this.ticker.unref();
    this.connect();
  }

  /** Connected, authenticated and on the configured database. */
  get ready(): boolean {
    return this.connected && this.handshakes === 0;
  }

  /**
   * The values of `prefixes[r] ‖ keyLists[r][i]` for every r and i, in that order, read in the MGET of
   * this event-loop turn; rejects with UnavailableError when Redis does not answer in time.
   */
  mget(prefixes: readonly Buffer[], keyLists: readonly (readonly Uint8Array[])[]): Promise<MgetSpans> {
    return new Promise((resolve, reject) => {
      const first = this.keys.length;
      for (let r = 0; r < keyLists.length; r++) {
        const prefix = prefixes[r]!;
        for (const key of keyLists[r]!) {
          this.prefixes.push(prefix);
          this.keys.push(key);
        }
      }
      this.waiters.push({ first, resolve, reject });
      if (this.keys.length >= MAX_KEYS_PER_MGET) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushNow);
      }
    });
  }

  /** Closes the socket for good; commands in flight fail. */
  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.failAll("Connection is closed.");
  }

  private flush(): void {
    this.scheduled = false;
    const { prefixes, keys, waiters } = this;
    if (waiters.length === 0) return;
    this.prefixes = [];
    this.keys = [];
    this.waiters = [];
    if (!this.ready || this.socket === undefined) {
      const error = unavailable("Connection is closed.");
      for (const w of waiters) w.reject(error);
      return;
    }
    if (keys.length === 0) {
      const empty = { buffer: Buffer.alloc(0), spans: new Int32Array(0), first: 0 };
      for (const w of waiters) w.resolve(empty);
      return;
    }
    this.socket.write(this.encodeMget(prefixes, keys));
    this.inFlight.push({ sentAt: performance.now(), waiters, settled: false });
  }

  /** `MGET prefix‖key …` as one buffer: no concatenated key per entity. */
  private encodeMget(prefixes: readonly Buffer[], keys: readonly Uint8Array[]): Buffer {
    const count = keys.length;
    let size = 1 + headerLength(count + 1) + MGET_HEADER.length;
    for (let i = 0; i < count; i++) {
      const length = prefixes[i]!.length + keys[i]!.length;
      size += 1 + headerLength(length) + 2 + length + 2;
    }
    const out = Buffer.allocUnsafe(size);
    out[0] = 0x2a; // *
    let pos = writeNumber(out, 1, count + 1);
    pos += MGET_HEADER.copy(out, pos);
    for (let i = 0; i < count; i++) {
      const prefix = prefixes[i]!;
      const key = keys[i]!;
      out[pos++] = 0x24; // $
      pos = writeNumber(out, pos, prefix.length + key.length);
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
      pos += prefix.copy(out, pos);
      out.set(key, pos);
      pos += key.length;
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
    }
    return out;
  }

  private connect(): void {
    if (this.closed) return;
    const { host, port } = this.options;
    const feed = (chunk: Buffer): void => {
      try {
        this.parser.feed(chunk);
      } catch (error) {
        socket.destroy(error as Error);
      }
    };
    const socket = this.options.tls
      ? connectTls({ host, port, servername: host })
      : connectTcp({
          host,
          port,
          onread: {
            buffer: this.readBuffer,
            callback: (bytes) => {
              feed(this.readBuffer.subarray(0, bytes));
              return true;
            },
          },
        });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.options.connectTimeoutMs, () => socket.destroy(new Error("connect ETIMEDOUT")));
    socket.once(this.options.tls ? "secureConnect" : "connect", () => {
      socket.setTimeout(0);
      this.connected = true;
      this.handshake(socket);
    });
    if (this.options.tls) socket.on("data", feed);
    socket.on("error", (error: Error) => this.options.onError(error));
    socket.once("close", () => this.closedSocket(socket));
  }

  /** AUTH and SELECT as the connection string says, and a name; the connection is ready once they answered. */
  private handshake(socket: Socket): void {
    const { username, password, db } = this.options;
    const commands: string[][] = [];
    if (password !== undefined)
      commands.push(username === undefined ? ["AUTH", password] : ["AUTH", username, password]);
    if (db !== 0) commands.push(["SELECT", String(db)]);
    commands.push(["CLIENT", "SETNAME", RAW_READS_CLIENT_NAME]);
    this.handshakes = commands.length;
    for (const command of commands) {
      socket.write(encodeCommand(command));
      const optional = command[0] === "CLIENT";
      this.inFlight.push({ sentAt: performance.now(), waiters: undefined, optional, settled: false });
    }
  }

  private closedSocket(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connected = false;
    this.handshakes = 0;
    this.parser.reset();
    this.failAll("Connection is closed.");
    if (this.closed) return;
    this.attempts++;
    const delay = Math.min(this.attempts * 50, this.options.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private answer(reply: RespReply): void {
    const sent = this.inFlight[this.head];
    if (sent === undefined) {
      this.socket?.destroy(new Error("a Redis reply without a command"));
      return;
    }
    this.inFlight[this.head++] = undefined;
    if (this.head === this.inFlight.length) {
      this.inFlight = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.inFlight = this.inFlight.slice(this.head);
      this.head = 0;
    }
    if (sent.waiters === undefined) {
      if (reply.kind === "error" && sent.optional !== true) {
        this.options.onError(new Error(`Redis refused the read connection's handshake: ${reply.message}`));
        this.socket?.destroy();
        return;
      }
      this.handshakes--;
      if (this.handshakes === 0) this.attempts = 0;
      return;
    }
    if (sent.settled) return;
    sent.settled = true;
    if (reply.kind === "spans") {
      const { buffer, spans } = reply;
      for (const w of sent.waiters) w.resolve({ buffer, spans, first: w.first });
      return;
    }
    const error =
      reply.kind === "error"
        ? mapRedisError(new Error(reply.message))
        : new Error(`Unexpected ${reply.kind} reply to MGET`);
    for (const w of sent.waiters) w.reject(error);
  }

  /**
   * Ticker: when the oldest unanswered command is past the timeout, decides after this turn's I/O. Timers
   * run before the poll phase, so a loop that was starved (a busy core) would otherwise fail commands
   * whose replies are already waiting in the socket.
   */
  private expire(): void {
    const oldest = this.oldestUnsettled();
    if (oldest !== undefined && oldest.sentAt <= performance.now() - this.options.commandTimeoutMs) {
      setImmediate(this.expireNow);
    }
  }

  private oldestUnsettled(): Sent | undefined {
    for (let i = this.head; i < this.inFlight.length; i++) {
      const sent = this.inFlight[i]!;
      if (!sent.settled) return sent;
    }
    return undefined;
  }

  private readonly expireNow = (): void => this.failExpired();

  /** Fails commands older than the command timeout; their replies, if they come, are dropped. */
  private failExpired(): void {
    const limit = performance.now() - this.options.commandTimeoutMs;
    for (let i = this.head; i < this.inFlight.length; i++) {
      const sent = this.inFlight[i]!;
      if (sent.sentAt > limit) break;
      if (sent.settled) continue;
      sent.settled = true;
      if (sent.waiters === undefined) {
        // A handshake that gets no answer: start over.
        this.socket?.destroy(new Error("Command timed out"));
        return;
      }
      const error = unavailable("Command timed out");
      for (const w of sent.waiters) w.reject(error);
    }
  }

  private failAll(cause: string): void {
    const inFlight = this.inFlight;
    const head = this.head;
    this.inFlight = [];
    this.head = 0;
    let error: UnavailableError | undefined;
    for (let i = head; i < inFlight.length; i++) {
      const sent = inFlight[i]!;
      if (sent.settled || sent.waiters === undefined) continue;
      sent.settled = true;
      error ??= unavailable(cause);
      for (const w of sent.waiters) w.reject(error);
    }
  }
}
