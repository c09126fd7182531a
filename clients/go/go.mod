// Larder's Go SDK: stubs generated from proto/ by scripts/generate-sdks.sh (protoc-gen-go,
// protoc-gen-go-grpc), plus a small Dial helper. Versions are the lowest the generated code needs,
// which are also Debian bookworm's packaged ones (golang-google-grpc-dev, golang-google-protobuf-dev).
module larder/clients/go

go 1.19

require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
