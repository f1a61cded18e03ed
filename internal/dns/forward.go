package dns

import (
	"context"
	"errors"
	"fmt"
	"time"

	mdns "github.com/miekg/dns"
)

// Forwarder sends out-of-zone queries to upstream resolvers in order,
// retrying over TCP when an upstream truncates.
type Forwarder struct {
	upstreams []string
	udp, tcp  *mdns.Client
}

// NewForwarder returns a Forwarder to upstreams (host:port).
func NewForwarder(upstreams []string) *Forwarder {
	return &Forwarder{
		upstreams: upstreams,
		udp:       &mdns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: DefaultMaxUDPSize},
		tcp:       &mdns.Client{Net: "tcp", Timeout: 2 * time.Second},
	}
}

// Exchange implements Exchanger.
func (f *Forwarder) Exchange(ctx context.Context, m *mdns.Msg) (*mdns.Msg, error) {
	var errs []error
	for _, up := range f.upstreams {
		resp, _, err := f.udp.ExchangeContext(ctx, m, up)
		if err == nil && resp.Truncated {
			resp, _, err = f.tcp.ExchangeContext(ctx, m, up)
		}
		if err == nil {
			return resp, nil
		}
		errs = append(errs, fmt.Errorf("upstream %s: %w", up, err))
	}
	return nil, errors.Join(errs...)
}
