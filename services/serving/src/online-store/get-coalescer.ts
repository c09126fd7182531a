import type { Redis } from "ioredis";

interface Waiter {
  readonly from: number;
  readonly to: number;
  readonly resolve: (replies: (Buffer | null)[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Keys past which a batch goes out at once instead of waiting for the end of the event-loop turn. */
const MAX_KEYS_PER_MGET = 4096;

/**
 * Sends the GETs of concurrent reads as one MGET per event-loop turn. Every read that starts while the
 * server handles the calls of one socket read (grpc-js runs each in its own tick) joins the same
 * command, flushed from setImmediate: one command, one write and one reply to parse for all of them
 * instead of one round of ioredis bookkeeping and syscalls per call. A lone read waits for nothing
 * but the end of the current turn.
 */
export class GetCoalescer {
  private keys: (Buffer | string)[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();

  constructor(private readonly client: Redis) {}

  /** The values of `keys` (null where missing), in order. */
  get(keys: readonly (Buffer | string)[]): Promise<(Buffer | null)[]> {
    return new Promise((resolve, reject) => {
      const from = this.keys.length;
      for (const key of keys) this.keys.push(key);
      this.waiters.push({ from, to: this.keys.length, resolve, reject });
      if (this.keys.length >= MAX_KEYS_PER_MGET) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushNow);
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const { keys, waiters } = this;
    if (waiters.length === 0) return;
    this.keys = [];
    this.waiters = [];
    this.client.mgetBuffer(keys).then(
      (replies) => {
        if (waiters.length === 1) waiters[0]!.resolve(replies);
        else for (const w of waiters) w.resolve(replies.slice(w.from, w.to));
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}
