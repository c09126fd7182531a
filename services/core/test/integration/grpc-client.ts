import * as grpc from "@grpc/grpc-js";

/** A raw grpc-js client for scaffold tests: sends bytes as given, returns bytes or the status. */
export class RawGrpcClient {
  private readonly client: grpc.Client;

  constructor(port: number, options: grpc.ChannelOptions = {}) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  }

  unary(path: string, body: Uint8Array, metadata: Record<string, string> = {}, deadlineMs = 10_000): Promise<Buffer> {
    const md = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadata)) md.set(key, value);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        body,
        md,
        { deadline: Date.now() + deadlineMs },
        (error, value) => {
          if (error !== null) reject(error);
          else resolve(value ?? Buffer.alloc(0));
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
