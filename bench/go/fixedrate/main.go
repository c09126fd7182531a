// Open-loop load at a fixed offered rate, for bench/serving.ts: unary gRPC calls from grpc-go on one
// connection, each sent in its own goroutine at its scheduled time, latency measured from its send to
// its answer. Same arguments and the same one-line JSON (bench/stats.ts FixedRateResult) as the Node
// client bench/fixed-rate-client.ts, which it replaces where Go is installed: a Node client's own event
// loop and garbage collector put several milliseconds into the p99 it reports (its send lag reached a
// 5 ms p99 on a quiet machine), so a 1 ms goal could not be read from it.
//
//	fixedrate <port> <path> <request file> <expected response bytes> <rate/s> <seconds> [warm-up s]
//
// Built offline in GOPATH mode against Debian's golang-google-grpc-dev (bench/go-tools.ts does it). The
// garbage collector is off: a run's few hundred MB are freed at exit, and no collection lands in a p99.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// rawCodec sends and receives message bytes as they are: the request is pre-encoded, the answer only counted.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = data
	return nil
}
func (rawCodec) Name() string { return "proto" }

type summary struct {
	Count int     `json:"count"`
	P50Ms float64 `json:"p50Ms"`
	P90Ms float64 `json:"p90Ms"`
	P99Ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

type result struct {
	Rate               float64 `json:"rate"`
	Seconds            float64 `json:"seconds"`
	Sent               int     `json:"sent"`
	Ok                 int     `json:"ok"`
	Errors             int     `json:"errors"`
	Unanswered         int     `json:"unanswered"`
	FirstError         *string `json:"firstError,omitempty"`
	Latency            summary `json:"latency"`
	FromSchedule       summary `json:"fromSchedule"`
	SendLagP99Ms       float64 `json:"sendLagP99Ms"`
	SendLagMaxMs       float64 `json:"sendLagMaxMs"`
	ClientCPUUsPerCall int     `json:"clientCpuUsPerCall"`
	Client             string  `json:"client"`
}

// percentile is the nearest-rank percentile of ascending values, as bench/stats.ts computes it.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := int(math.Ceil(q / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func summarize(values []float64) summary {
	sorted := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	sort.Float64s(sorted)
	s := summary{Count: len(sorted)}
	if len(sorted) == 0 {
		return s
	}
	s.P50Ms = round3(percentile(sorted, 50))
	s.P90Ms = round3(percentile(sorted, 90))
	s.P99Ms = round3(percentile(sorted, 99))
	s.MaxMs = round3(sorted[len(sorted)-1])
	return s
}

func cpuMicros() int64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return usage.Utime.Nano()/1000 + usage.Stime.Nano()/1000
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fixedrate <port> <path> <request file> <expected bytes> <rate> <seconds> [warm-up s]")
	os.Exit(2)
}

func main() {
	debug.SetGCPercent(-1)
	args := os.Args[1:]
	if len(args) < 6 {
		usage()
	}
	port, path, requestFile := args[0], args[1], args[2]
	expected, err1 := strconv.Atoi(args[3])
	rate, err2 := strconv.ParseFloat(args[4], 64)
	seconds, err3 := strconv.ParseFloat(args[5], 64)
	warmup := 1.0
	var err4 error
	if len(args) > 6 {
		warmup, err4 = strconv.ParseFloat(args[6], 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || rate <= 0 || seconds <= 0 {
		usage()
	}
	request, err := os.ReadFile(requestFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	const window = 1<<30 - 1 // as h2load's -w 30 / -W 30: a large answer never waits for a WINDOW_UPDATE
	conn, err := grpc.Dial("127.0.0.1:"+port, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot connect to 127.0.0.1:%s: %v\n", port, err)
		os.Exit(1)
	}
	defer conn.Close()

	warmupCalls := int(math.Round(rate * warmup))
	measured := int(math.Round(rate * seconds))
	total := warmupCalls + measured
	latencies := make([]float64, measured)
	fromSchedule := make([]float64, measured)
	sendLag := make([]float64, measured)
	for i := range latencies {
		latencies[i] = math.NaN()
		fromSchedule[i] = math.NaN()
	}
	var mu sync.Mutex
	ok, errors := 0, 0
	var firstError *string
	var wg sync.WaitGroup
	const deadline = 5 * time.Second

	call := func(index int, scheduled time.Time) {
		defer wg.Done()
		sent := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		req := request
		var reply []byte
		err := conn.Invoke(ctx, path, &req, &reply)
		cancel()
		now := time.Now()
		why := ""
		if err != nil {
			why = "grpc-status " + strconv.Itoa(int(status.Code(err))) + ": " + status.Convert(err).Message()
		} else if len(reply) != expected {
			why = fmt.Sprintf("response of %d bytes, expected %d", len(reply), expected)
		}
		mu.Lock()
		if why == "" {
			ok++
		} else {
			errors++
			if firstError == nil {
				firstError = &why
			}
		}
		if index >= warmupCalls {
			latencies[index-warmupCalls] = float64(now.Sub(sent).Nanoseconds()) / 1e6
			fromSchedule[index-warmupCalls] = float64(now.Sub(scheduled).Nanoseconds()) / 1e6
			sendLag[index-warmupCalls] = float64(sent.Sub(scheduled).Nanoseconds()) / 1e6
		}
		mu.Unlock()
	}

	interval := time.Duration(float64(time.Second) / rate)
	cpuStart := cpuMicros()
	// The schedule runs on its own OS thread sleeping in nanosleep(2): Go's timers (this Go's time.Sleep)
	// wake up to a millisecond late, which sends calls in clumps. A second P keeps answers flowing while
	// this thread sleeps in the syscall.
	runtime.GOMAXPROCS(2)
	runtime.LockOSThread()
	start := time.Now().Add(10 * time.Millisecond)
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			ts := syscall.NsecToTimespec(wait.Nanoseconds())
			for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
			}
		}
		wg.Add(1)
		go call(i, due)
	}
	runtime.UnlockOSThread()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(deadline + 2*time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	lag := summarize(sendLag)
	out := result{
		Rate: rate, Seconds: seconds, Sent: total, Ok: ok, Errors: errors,
		Unanswered: total - ok - errors, FirstError: firstError,
		Latency: summarize(latencies), FromSchedule: summarize(fromSchedule),
		SendLagP99Ms: lag.P99Ms, SendLagMaxMs: lag.MaxMs,
		ClientCPUUsPerCall: int((cpuMicros() - cpuStart) / int64(total)),
		Client:             "grpc-go",
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
