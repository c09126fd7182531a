// The framework ceiling: a bare grpc-js server answering GetOnlineFeatures with pre-encoded response
// bytes (identity serializers, no work per call). `baseline-grpc-server.ts <response file>`; prints `PORT <n>`.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { GRPC_PATH } from "./serving-repo.js";

const [responseFile] = process.argv.slice(2);
if (responseFile === undefined) {
  console.error("usage: baseline-grpc-server.ts <response file>");
  process.exit(2);
}
const response = readFileSync(responseFile);
const identity = (bytes: Buffer): Buffer => bytes;

const definition: grpc.ServiceDefinition = {
  GetOnlineFeatures: {
    path: GRPC_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const handler: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, response);

const server = new grpc.Server();
server.addService(definition, { GetOnlineFeatures: handler });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) {
    console.error(error.message);
    process.exit(1);
  }
  process.stdout.write(`PORT ${port}\n`);
});

const stop = (): void => {
  server.forceShutdown();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
