#!/usr/bin/env bash
# Regenerates the Python and Go SDK stubs from proto/ with Debian's protoc and plugins:
#   protobuf-compiler (protoc), protobuf-compiler-grpc (grpc_python_plugin),
#   protoc-gen-go (APIv2), protoc-gen-go-grpc.
# Output is committed; CI regenerates and fails when clients/python or clients/go differ.
#
# `scripts/generate-sdks.sh --check-go` instead compiles, vets and tests clients/go when a Go toolchain
# is on the PATH, offline: GOPATH mode over Debian's golang-google-grpc-dev and golang-google-protobuf-dev
# (/usr/share/gocode). Without Go it prints "skipped: no Go toolchain" and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--check-go" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "go sdk: skipped: no Go toolchain"
    exit 0
  fi
  gocode=/usr/share/gocode
  if [ ! -d "$gocode/src/google.golang.org/grpc" ] || [ ! -d "$gocode/src/google.golang.org/protobuf" ]; then
    echo "go sdk: skipped: $(go version) has no offline google.golang.org/grpc and protobuf" \
      "(apt-get install golang-google-grpc-dev golang-google-protobuf-dev)"
    exit 0
  fi
  gopath=$(mktemp -d)
  trap 'rm -rf "$gopath"' EXIT
  mkdir -p "$gopath/src/larder/clients"
  ln -s "$PWD/clients/go" "$gopath/src/larder/clients/go"
  cd "$gopath/src/larder/clients/go"
  export GO111MODULE=off GOPATH="$gopath:$gocode" GOFLAGS=
  go vet ./...
  go test ./...
  echo "go sdk: compiled, vetted and tested with $(go version | cut -d' ' -f3)"
  exit 0
fi

missing=()
for tool in protoc grpc_python_plugin protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "generate-sdks: missing ${missing[*]}; install them with:" >&2
  echo "  apt-get install -y protobuf-compiler protobuf-compiler-grpc protoc-gen-go protoc-gen-go-grpc" >&2
  exit 1
fi

mapfile -t larder_protos < <(cd proto && find larder -name '*.proto' | LC_ALL=C sort)

# Python: modules keep their proto paths (larder/types/v1/value_pb2.py); larder_sdk/gen/__init__.py puts
# this folder on sys.path so their absolute imports resolve. The health proto is generated from its own
# folder as top-level health_pb2, because a generated package named "grpc" would shadow grpcio.
py_out=clients/python/larder_sdk/gen
rm -rf "$py_out/larder" "$py_out"/health_pb2*.py
mkdir -p "$py_out"
protoc -I proto --python_out="$py_out" --grpc_python_out="$py_out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" "${larder_protos[@]}"
protoc -I proto/grpc/health/v1 --python_out="$py_out" --grpc_python_out="$py_out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" health.proto

# Go: one package per proto folder (larder/serving/v1 → package servingv1), import paths under the
# module in clients/go/go.mod. The protos carry no go_package option, so M flags map each file.
go_module=larder/clients/go
go_out=clients/go
rm -rf "$go_out/larder" "$go_out/grpc"
maps=()
for file in "${larder_protos[@]}" grpc/health/v1/health.proto; do
  dir=$(dirname "$file")
  pkg="$(basename "$(dirname "$dir")")$(basename "$dir")"
  maps+=("M${file}=${go_module}/${dir};${pkg}")
done
go_opts=$(IFS=,; echo "module=${go_module},${maps[*]}")
protoc -I proto --go_out="$go_out" --go_opt="$go_opts" --go-grpc_out="$go_out" --go-grpc_opt="$go_opts" \
  "${larder_protos[@]}" grpc/health/v1/health.proto

echo "generate-sdks: wrote $py_out and $go_out"
