package dns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// Server serves a Handler on loopback over UDP and TCP: on the configured
// address and, when that is 127.0.0.1, on ::1 with the same port too.
type Server struct {
	cfg     Config
	handler *Handler
	log     *slog.Logger

	mu      sync.Mutex
	servers []*mdns.Server // TCP
	udp     []*udpServer
	addrs   []string
	done    chan error
}

// NewServer returns a Server for cfg, answering with NewHandler(cfg, ...)
// and forwarding out-of-zone queries when cfg.Forward names upstreams.
func NewServer(cfg Config, log *slog.Logger) (*Server, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	var fwd Exchanger
	if len(cfg.Forward) > 0 {
		fwd = NewForwarder(cfg.Forward)
	}
	h, err := NewHandler(cfg, fwd)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, handler: h, log: log}, nil
}

// Addr is the address the server listens on (with the port chosen by the
// system when the config asked for port 0). Valid after Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.addrs) == 0 {
		return ""
	}
	return s.addrs[0]
}

// Addrs lists every address listened on, IPv4 first.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.addrs...)
}

// Start binds the sockets and returns once every listener serves. It fails
// when the configured address cannot be bound; ::1 is best effort. UDP is
// served by udpServer, TCP by miekg/dns's Server.
func (s *Server) Start(ctx context.Context) error {
	host, portStr, _ := net.SplitHostPort(s.cfg.Addr)
	port, _ := strconv.Atoi(portStr)
	pc, l, err := bindPair(ctx, host, port)
	if err != nil {
		return fmt.Errorf("starting the resolver: %w", err)
	}
	port = pc.LocalAddr().(*net.UDPAddr).Port
	conns := []any{pc, l}
	addrs := []string{net.JoinHostPort(host, strconv.Itoa(port))}
	if host == "127.0.0.1" {
		// Same port on ::1, so "localhost" works whichever family a
		// client picks. Machines without IPv6 loopback simply skip it.
		if pc6, l6, err := bindPair(ctx, "::1", port); err == nil {
			conns = append(conns, pc6, l6)
			addrs = append(addrs, net.JoinHostPort("::1", strconv.Itoa(port)))
		} else {
			s.log.Debug("not listening on ::1", "err", err)
		}
	}

	var udp []*udpServer
	for _, c := range conns {
		if c, ok := c.(*net.UDPConn); ok {
			u, err := newUDPServer(c, s.handler)
			if err != nil {
				closeAll(conns)
				return err
			}
			udp = append(udp, u)
		}
	}
	s.mu.Lock()
	s.done = make(chan error, len(conns))
	var started sync.WaitGroup
	for _, u := range udp {
		s.udp = append(s.udp, u)
		go func() { s.done <- u.serve() }()
	}
	for _, c := range conns {
		l, ok := c.(net.Listener)
		if !ok {
			continue
		}
		srv := &mdns.Server{
			Listener:      l,
			Handler:       s.handler,
			MsgAcceptFunc: acceptQuery,
			ReadTimeout:   2 * time.Second,
			WriteTimeout:  2 * time.Second,
			// Clients on loopback keep connections; miekg closes after 128 queries by default.
			MaxTCPQueries: -1,
			// Drop what cannot be parsed instead of answering FORMERR:
			// an answer to garbage only helps reflection attacks.
			DecorateReader: func(r mdns.Reader) mdns.Reader { return dropInvalid{r} },
		}
		started.Add(1)
		srv.NotifyStartedFunc = started.Done
		s.servers = append(s.servers, srv)
		go func() { s.done <- srv.ActivateAndServe() }()
	}
	s.addrs = addrs
	s.mu.Unlock()
	started.Wait()
	s.log.Info("resolver listening", "addrs", addrs, "domains", s.cfg.Domains)
	return nil
}

// closeAll closes the sockets of a Start that failed half way.
func closeAll(conns []any) {
	for _, c := range conns {
		if c, ok := c.(io.Closer); ok {
			c.Close()
		}
	}
}

// bindPair binds UDP and TCP on the same loopback port. With port 0 the
// UDP socket picks the port; if TCP cannot get the same one, it retries.
//
// One UDP socket, one reader: measured against SO_REUSEPORT with a socket
// per CPU, the throughput under dnsperf was the same on two cores and the
// CPU per query at a moderate rate half again as high (each socket woke
// for half the queries).
func bindPair(ctx context.Context, host string, port int) (*net.UDPConn, net.Listener, error) {
	var lc net.ListenConfig
	var lastErr error
	for range 20 {
		c, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, nil, err
		}
		pc := c.(*net.UDPConn)
		got := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(got)))
		if err == nil {
			var bl net.Listener
			if bl, err = listenBlocking(l.(*net.TCPListener)); err == nil {
				return pc, bl, nil
			}
			l.Close()
		}
		pc.Close()
		lastErr = err
		if port != 0 {
			break
		}
	}
	return nil, nil, lastErr
}

// Shutdown stops every listener and waits for queries in flight, until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers, udp := s.servers, s.udp
	s.servers, s.udp = nil, nil
	s.mu.Unlock()
	var errs []error
	for _, u := range udp {
		u.close()
	}
	for _, srv := range servers {
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, u := range udp {
		done := make(chan struct{})
		go func() { <-u.stopped; u.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("queries still in flight: %w", ctx.Err()))
		}
	}
	return errors.Join(errs...)
}

// Serve starts the server and runs it until ctx is cancelled (then shuts
// down gracefully) or a listener fails.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.done:
		err = fmt.Errorf("resolver listener failed: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if serr := s.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	s.log.Info("resolver stopped")
	return err
}

// acceptQuery lets through plain queries and silently drops the rest
// (responses, several questions, stuffed sections): nothing to amplify.
func acceptQuery(dh mdns.Header) mdns.MsgAcceptAction {
	const qr = 1 << 15
	if dh.Bits&qr != 0 || dh.Qdcount != 1 || dh.Ancount > 0 || dh.Nscount > 0 || dh.Arcount > 2 {
		return mdns.MsgIgnore
	}
	if opcode := int(dh.Bits>>11) & 0xF; opcode != mdns.OpcodeQuery {
		return mdns.MsgRejectNotImplemented
	}
	return mdns.MsgAccept
}
