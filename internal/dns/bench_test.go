package dns

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// BenchmarkServerUDP measures the resolver over real loopback sockets with
// many concurrent clients (8 and 32 per GOMAXPROCS), each sending a query and
// waiting for its answer. It reports:
//
//	qps       answered queries per second (wall clock)
//	qps/cpu   queries per second of CPU time used by the whole process,
//	          clients included: a lower bound for the server's QPS per core
//	p50-us, p99-us  latency of one exchange as a client sees it
//
// Goal (DESIGN.md): at least 50k qps per core, p99 under 1 ms.
func BenchmarkServerUDP(b *testing.B) {
	for _, c := range []int{8, 32} {
		b.Run(fmt.Sprintf("clients=%dxGOMAXPROCS", c), func(b *testing.B) { benchServer(b, "udp", c) })
	}
}

// BenchmarkServerTCP does the same over persistent TCP connections.
func BenchmarkServerTCP(b *testing.B) { benchServer(b, "tcp", 8) }

// benchServer runs clientsPerProc*GOMAXPROCS closed-loop clients: each has
// one query in flight, so latency includes queueing behind the others.
func benchServer(b *testing.B, network string, clientsPerProc int) {
	s := startServer(b, Config{Domains: []string{"local"}})
	names := []string{"grafana.local.", "n8n.local.", "a.b.local.", "temporal.local."}
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs atomic.Int64
		seq  atomic.Uint32
	)
	b.SetParallelism(clientsPerProc)
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial(network, s.Addr())
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		dc := &mdns.Conn{Conn: conn}
		n := seq.Add(1)
		q := query(names[n%uint32(len(names))], mdns.TypeA, 0)
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			q.Id = uint16(n)
			n++
			t0 := time.Now()
			_ = conn.SetDeadline(t0.Add(2 * time.Second))
			if err := dc.WriteMsg(q); err != nil {
				errs.Add(1)
				continue
			}
			r, err := dc.ReadMsg()
			if err != nil || r.Id != q.Id || len(r.Answer) != 1 {
				errs.Add(1)
				continue
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		lats = append(lats, local...)
		mu.Unlock()
	})
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if e := errs.Load(); e > int64(b.N)/100 {
		b.Fatalf("%d of %d queries failed", e, b.N)
	}
	if len(lats) == 0 {
		return
	}
	slices.Sort(lats)
	b.ReportMetric(float64(len(lats))/wall.Seconds(), "qps")
	if cpu > 0 {
		b.ReportMetric(float64(len(lats))/cpu.Seconds(), "qps/cpu")
	}
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-us")
}
