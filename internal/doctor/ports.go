package doctor

import (
	"context"
	"fmt"
)

// Port is a host port devstack needs.
type Port struct {
	Number int
	// Proto is "tcp" or "udp".
	Proto string
	// Purpose says what it is for: "HTTP ingress", "DNS resolver".
	Purpose string
	// Owner, when set, names the part of devstack already holding the port
	// (a running cluster publishes 80 and 443): busy is then expected.
	Owner string
	// Flag is the setting that moves it, for the fix.
	Flag string
}

// PortProbe says whether a loopback port is taken and, where it can, by
// which process ("nginx (pid 812)"); holder is empty when unknown.
type PortProbe func(ctx context.Context, proto string, port int) (busy bool, holder string, err error)

func portCheck(p Port, probe PortProbe) Check {
	name := fmt.Sprintf("port %d/%s", p.Number, p.Proto)
	return Check{Name: name, Run: func(ctx context.Context) Result {
		busy, holder, err := probe(ctx, p.Proto, p.Number)
		switch {
		case err != nil:
			return Result{Status: Warn, Message: fmt.Sprintf("%s: could not check: %v", p.Purpose, err)}
		case !busy:
			return Result{Status: OK, Message: p.Purpose + ": free"}
		case p.Owner != "":
			return Result{Status: OK, Message: fmt.Sprintf("%s: held by %s", p.Purpose, p.Owner)}
		}
		who := "another process"
		if holder != "" {
			who = holder
		}
		fix := fmt.Sprintf("stop %s", who)
		if p.Flag != "" {
			fix += fmt.Sprintf(", or choose another port with %s", p.Flag)
		}
		return Result{Status: Fail, Message: fmt.Sprintf("%s: in use by %s", p.Purpose, who), Fix: fix}
	}}
}
