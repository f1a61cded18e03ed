package osdns

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Lookuper resolves a host name through the system (net.Resolver has this
// method).
type Lookuper interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// SystemLookup resolves through the C library's resolver where it can
// (`getent ahosts` on Linux: NSS, so nss-mdns and nss-resolve count, as
// they do for browsers), else through Go's resolver (libSystem on macOS,
// which honours /etc/resolver).
type SystemLookup struct{}

// LookupHost implements Lookuper.
func (SystemLookup) LookupHost(ctx context.Context, host string) ([]string, error) {
	if runtime.GOOS == "linux" {
		if getent, err := exec.LookPath("getent"); err == nil {
			out, err := exec.CommandContext(ctx, getent, "ahosts", host).Output()
			if err != nil {
				return nil, fmt.Errorf("getent ahosts %s: %w", host, err)
			}
			var addrs []string
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) > 0 && !slices.Contains(addrs, f[0]) {
					addrs = append(addrs, f[0])
				}
			}
			return addrs, nil
		}
	}
	return net.DefaultResolver.LookupHost(ctx, host)
}

// Check is the result of one verification lookup.
type Check struct {
	// Name is the name looked up; Via says what should have answered it.
	Name string   `json:"name"`
	Via  string   `json:"via"`
	OK   bool     `json:"ok"`
	Got  []string `json:"got,omitempty"`
	Err  string   `json:"error,omitempty"`
}

// ProbeLabel prefixes the made-up name looked up in each routed domain: no
// hosts file lists it, so only the resolver can answer it.
const ProbeLabel = "devstack-verify"

// Verify looks up, through the system, a made-up name in every routed
// domain and the first host of the hosts block, expecting loopback. It
// retries for up to wait (resolvers restart, caches expire).
func Verify(ctx context.Context, cs *Changeset, hosts []string, l Lookuper, wait time.Duration) []Check {
	var checks []Check
	for _, d := range cs.Routed {
		checks = append(checks, Check{Name: ProbeLabel + "." + d, Via: "resolver"})
	}
	if cs.HostsFallback && len(hosts) > 0 {
		checks = append(checks, Check{Name: hosts[0], Via: "hosts file"})
	}
	deadline := time.Now().Add(wait)
	for i := range checks {
		c := &checks[i]
		for {
			addrs, err := lookup(ctx, l, c.Name)
			c.Got, c.OK, c.Err = addrs, err == nil && loopback(addrs), ""
			if err != nil {
				c.Err = err.Error()
			} else if !c.OK {
				c.Err = "answer is not loopback"
			}
			if c.OK || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return checks
}

func lookup(ctx context.Context, l Lookuper, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return l.LookupHost(ctx, name)
}

func loopback(addrs []string) bool {
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// Failed returns the checks that did not pass, as one error (nil if all did).
func Failed(checks []Check) error {
	var errs []error
	for _, c := range checks {
		if !c.OK {
			errs = append(errs, fmt.Errorf("%s (via %s): %s", c.Name, c.Via, c.Err))
		}
	}
	return errors.Join(errs...)
}
