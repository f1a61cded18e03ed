package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/reset"
)

func newDNSCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "The embedded resolver for the stack's domain (*.local by default)",
		Long: `devstack answers every name in the stack's domain (grafana.local, n8n.local...)
with the loopback Traefik entry point, from a small resolver on 127.0.0.1 and ::1
(port 15353), and routes the domain to it from the operating system.
"devstack up" starts and installs it; "devstack reset" removes it.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newDNSServeCmd(s), newDNSStartCmd(s), newDNSStopCmd(s), newDNSStatusCmd(s),
		newDNSInstallCmd(s), newDNSUninstallCmd(s))
	return cmd
}

// dnsFlags are the resolver's settings, shared by serve, start and install.
type dnsFlags struct {
	addr    string
	domains []string
	forward []string
	noIPv6  bool
	ttl     uint32
}

func (f *dnsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", dns.DefaultAddr, "loopback address and port to listen on")
	fl.StringArrayVar(&f.domains, "domain", nil, "domain to answer for (repeatable; default: the stack's domain, \"local\")")
	fl.StringArrayVar(&f.forward, "forward", nil, "upstream host:port for names outside the domains (default: refuse them)")
	fl.BoolVar(&f.noIPv6, "no-ipv6", false, "answer AAAA queries with no data instead of ::1")
	fl.Uint32Var(&f.ttl, "ttl", dns.DefaultTTL, "TTL of answers, in seconds")
}

func (f *dnsFlags) config(defaultDomain string) (dns.Config, error) {
	doms := f.domains
	if len(doms) == 0 && defaultDomain != "" {
		doms = []string{defaultDomain}
	}
	cfg, err := dns.Config{Addr: f.addr, Domains: doms, Forward: f.forward, NoIPv6: f.noIPv6, TTL: f.ttl}.Normalize()
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

func newDNSServeCmd(s *streams) *cobra.Command {
	var f dnsFlags
	var stateDir string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the resolver in the foreground until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config("")
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(s.err, nil))
			if stateDir != "" { // the background process `up` starts
				return dns.RunDaemon(cmd.Context(), stateDir, cfg, log)
			}
			srv, err := dns.NewServer(cfg, log)
			if err != nil {
				return err
			}
			return srv.Serve(cmd.Context())
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "run as devstack's background resolver for this state directory")
	_ = cmd.Flags().MarkHidden("state-dir")
	return cmd
}

// stackDNS returns the domain and hosts of the stack the flags choose, or
// the defaults when it cannot be loaded (the resolver works without a stack).
func (s *streams) stackDNS(sf *stackFlags) (domain string, hosts []string, err error) {
	if err := s.choose(sf, nil); err != nil {
		return dns.DefaultDomain, nil, err
	}
	p, err := sf.plan()
	if err != nil {
		return dns.DefaultDomain, nil, err
	}
	hosts = p.Hosts()
	if p.Domain == "" {
		p.Domain = dns.DefaultDomain
	}
	return p.Domain, hosts, nil
}

func newDNSStartCmd(s *streams) *cobra.Command {
	var f dnsFlags
	var sf stackFlags
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the background resolver (or restart it with new settings); up does this",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			domain, _, _ := s.stackDNS(&sf)
			cfg, err := f.config(domain)
			if err != nil {
				return err
			}
			dir := s.env.StateDir
			st, err := dns.EnsureRunning(cmd.Context(), dir, cfg)
			if err != nil {
				return err
			}
			printDNSStatus(s.out, st)
			return nil
		},
	}
	f.register(cmd)
	sf.registerApplied(cmd)
	return cmd
}

func newDNSStopCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the background resolver",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := s.env.StateDir
			was := dns.ReadStatus(dir)
			if err := dns.Stop(cmd.Context(), dir); err != nil {
				return err
			}
			if was.Running {
				fmt.Fprintf(s.out, "resolver stopped (pid %d)\n", was.PID)
			} else {
				fmt.Fprintln(s.out, "resolver was not running")
			}
			return nil
		},
	}
}

func newDNSStatusCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the resolver runs, where, and for which domains",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := s.env.StateDir
			st := dns.ReadStatus(dir)
			if asJSON {
				return writeJSON(s.out, st)
			}
			printDNSStatus(s.out, st)
			if st.Running && st.Message == "" {
				if err := dns.Probe(cmd.Context(), st.Addr, st.Config.Domains[0]); err != nil {
					return fmt.Errorf("the resolver runs but does not answer: %w (log: %s)", err, st.LogFile)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func printDNSStatus(w io.Writer, st dns.Status) {
	if !st.Running || st.Message != "" {
		msg := st.Message
		if msg == "" {
			msg = "not running"
		}
		fmt.Fprintf(w, "resolver: %s\n", msg)
		return
	}
	fmt.Fprintf(w, "resolver: running (pid %d) on %s for %s\nstarted: %s\nlog: %s\n",
		st.PID, strings.Join(st.Addrs, ", "), strings.Join(st.Config.Domains, ", "),
		st.Started.Local().Format("2006-01-02 15:04:05"), st.LogFile)
}

func newDNSInstallCmd(s *streams) *cobra.Command {
	var f dnsFlags
	var sf stackFlags
	var hosts []string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Route the domain from the operating system to the resolver (starting it if needed)",
		Long: `Route the stack's domain from the operating system to devstack's resolver:
macOS /etc/resolver/<domain>; Linux a systemd-resolved drop-in or a NetworkManager
dnsmasq drop-in; and /etc/hosts entries for the stack's hosts where the domain cannot
be routed (.local goes to mDNS first). /etc/resolv.conf is never written.
Files that need root are changed through sudo, after being listed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			domain, stackHosts, lerr := s.stackDNS(&sf)
			if lerr != nil && len(f.domains) == 0 {
				fmt.Fprintf(s.err, "note: the stack could not be loaded (%v); using domain %q\n", lerr, domain)
			}
			if len(hosts) == 0 {
				hosts = stackHosts
			}
			cfg, err := f.config(domain)
			if err != nil {
				return err
			}
			ocfg := s.osConfig(cfg.Domains, cfg.Addr, hosts)
			if dryRun {
				cs, err := s.osdnsOptions().Plan(cmd.Context(), ocfg)
				if err != nil {
					return err
				}
				printChangeset(s.out, cs, true)
				return nil
			}
			dir := s.env.StateDir
			if _, err := dns.EnsureRunning(cmd.Context(), dir, cfg); err != nil {
				return err
			}
			rep, err := osdns.Install(cmd.Context(), ocfg, s.osdnsOptions())
			if err != nil {
				return err
			}
			printChecks(s.out, rep.Checks)
			if rep.NothingToChange() {
				fmt.Fprintln(s.out, "already installed: nothing to change")
			}
			if ferr := osdns.Failed(rep.Checks); ferr != nil {
				return fmt.Errorf("names do not resolve through the system yet: %w", ferr)
			}
			return nil
		},
	}
	f.register(cmd)
	sf.registerApplied(cmd)
	cmd.Flags().StringArrayVar(&hosts, "host", nil, "host name for the /etc/hosts fallback (repeatable; default: the stack's hosts)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print exactly what would change, and change nothing")
	return cmd
}

func newDNSUninstallCmd(s *streams) *cobra.Command {
	var dryRun bool
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove everything dns install put in the operating system, and the cluster's CoreDNS rewrite",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun {
				cs, err := s.osdnsOptions().PlanUndo(cmd.Context(), s.osConfig(nil, "", nil))
				if err != nil {
					return err
				}
				printChangeset(s.out, cs, true)
				return nil
			}
			rep, err := osdns.Uninstall(cmd.Context(), s.osConfig(nil, "", nil), s.osdnsOptions())
			if err != nil {
				return err
			}
			if rep.NothingToChange() {
				fmt.Fprintln(s.out, "nothing of devstack's is installed")
			}
			return s.removeClusterDNS(cmd.Context(), &tf)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print exactly what would change, and change nothing")
	tf.register(cmd)
	return cmd
}

// removeClusterDNS removes the CoreDNS rewrite from the cluster up applied
// to (or the flags name). A cluster that is not there or not running has
// no pods to mislead: it is said, not failed.
func (s *streams) removeClusterDNS(ctx context.Context, tf *targetFlags) error {
	if err := s.choose(&stackFlags{}, tf); err != nil {
		return err
	}
	m, err := s.manager(nil)
	if err != nil {
		return err
	}
	name := tf.clusterName(nil)
	if tf.context == "" {
		if st, err := m.Status(ctx, name); err != nil || st.State != kind.StateRunning {
			fmt.Fprintf(s.out, "cluster %s is not running: no CoreDNS rewrite to remove\n", name)
			return nil
		}
	}
	t, err := tf.target(m, name)
	if err != nil {
		return err
	}
	cs, err := t.Clientset()
	if err != nil {
		return err
	}
	removed, err := reset.RemoveClusterDNS(ctx, cs)
	if err != nil {
		return err
	}
	for _, r := range removed {
		fmt.Fprintf(s.out, "removed: %s\n", r)
	}
	return nil
}

// osdnsOptions shows every changeset before it is applied, sudo ones first.
// The sudo decision follows the environment's Access, as up's does.
func (s *streams) osdnsOptions() osdns.Options {
	return osdns.Options{
		Runner: osdns.ExecRunner{},
		Lookup: osdns.SystemLookup{},
		Access: s.env.Access(),
		Confirm: func(cs *osdns.Changeset) error {
			printChangeset(s.out, cs, false)
			return nil
		},
	}
}

func printChangeset(w io.Writer, cs *osdns.Changeset, dry bool) {
	printChanges(w, "name resolution here: "+cs.Layout.Describe(), cs.Notes, cs.Changes, cs.NeedsRoot(), dry)
}

func printChecks(w io.Writer, checks []osdns.Check) {
	for _, c := range checks {
		if c.OK {
			fmt.Fprintf(w, "ok: %s resolves to %s (via %s)\n", c.Name, strings.Join(c.Got, " "), c.Via)
		} else {
			fmt.Fprintf(w, "FAILED: %s (via %s): %s\n", c.Name, c.Via, c.Err)
		}
	}
}

// osConfig is the OS integration's configuration, rooted at the
// environment's OS root.
func (s *streams) osConfig(domains []string, addr string, hosts []string) osdns.Config {
	return osdns.Config{Root: s.env.OSRoot, Domains: domains, Addr: addr, Hosts: hosts}
}
