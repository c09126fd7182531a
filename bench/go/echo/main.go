// The method's own floor for bench/serving.ts's fixed-load runs: a grpc-go server answering every unary
// call with the same pre-encoded response bytes. The fixed-rate client against it shows what the client,
// loopback and this machine's scheduler put into a p99 before any Node.js server is involved.
//
//	echo <response file>   (prints `PORT <n>` once listening on 127.0.0.1)
package main

import (
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
)

// rawCodec passes message bytes through: the request is only drained, the response pre-encoded.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = data
	return nil
}
func (rawCodec) Name() string   { return "proto" }
func (rawCodec) String() string { return "proto" }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: echo <response file>")
		os.Exit(2)
	}
	response, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.CustomCodec(rawCodec{}),
		grpc.UnknownServiceHandler(func(_ interface{}, stream grpc.ServerStream) error {
			var request []byte
			if err := stream.RecvMsg(&request); err != nil {
				return err
			}
			return stream.SendMsg(&response)
		}))
	fmt.Printf("PORT %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
