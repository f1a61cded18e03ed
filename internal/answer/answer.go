package answer

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Check waits until every host of the plan answers through the ingress.
type Check struct {
	// Addr is the ingress on this machine, host:port (127.0.0.1:<httpPort>).
	Addr string
	// Timeout bounds the wait (default one minute).
	Timeout time.Duration
	// Client is the HTTP client (default: one that dials Addr whatever the
	// URL's host, so no DNS is involved, and follows no redirect).
	Client *http.Client
}

// ForPlan is the check of a kind cluster's plan: its HTTP port on loopback.
func ForPlan(p *stack.Plan) *Check {
	port := p.Cluster.HTTPPort
	if port == 0 {
		port = 80
	}
	return &Check{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
}

// Wait returns nil once each host answered once, or an error naming the
// hosts that did not and their last answer.
func (c *Check) Wait(ctx context.Context, p *stack.Plan) error {
	hosts := p.Hosts()
	if len(hosts) == 0 {
		return nil
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := c.client()
	last := map[string]string{}
	pending := append([]string(nil), hosts...)
	interval := 100 * time.Millisecond
	for {
		var still []string
		for _, h := range pending {
			status, err := get(ctx, client, h)
			if err == nil && answered(status) {
				continue
			}
			if err != nil {
				last[h] = err.Error()
			} else {
				last[h] = fmt.Sprintf("HTTP %d from the ingress", status)
			}
			still = append(still, h)
		}
		if len(still) == 0 {
			return nil
		}
		pending = still
		select {
		case <-ctx.Done():
			return notAnswering(pending, last, timeout)
		case <-time.After(interval):
		}
		interval = min(interval*2, 2*time.Second)
	}
}

// answered: any HTTP answer but the ingress saying that the backend is not
// reachable (502, 503, 504), which is what Traefik says while a Service has
// no ready endpoint.
func answered(status int) bool {
	return status != http.StatusBadGateway && status != http.StatusServiceUnavailable && status != http.StatusGatewayTimeout
}

func get(ctx context.Context, client *http.Client, host string) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, "http://"+host+"/", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (c *Check) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	d := &net.Dialer{Timeout: 3 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, c.Addr)
			},
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// NotAnsweringError names the hosts that never answered and why.
type NotAnsweringError struct {
	Last    map[string]string
	Timeout time.Duration
}

func (e *NotAnsweringError) Error() string {
	hosts := make([]string, 0, len(e.Last))
	for h := range e.Last {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	parts := make([]string, 0, len(hosts))
	for _, h := range hosts {
		parts = append(parts, fmt.Sprintf("http://%s: %s", h, e.Last[h]))
	}
	return fmt.Sprintf("not answering through the ingress after %s: %s (see `devstack status`; the ingress or the backend is not serving yet)",
		e.Timeout, strings.Join(parts, "; "))
}

func notAnswering(pending []string, last map[string]string, timeout time.Duration) error {
	e := &NotAnsweringError{Last: map[string]string{}, Timeout: timeout}
	for _, h := range pending {
		e.Last[h] = last[h]
	}
	return e
}

var _ error = (*NotAnsweringError)(nil)
