package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/clustertls"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/reset"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/trust"
)

func newTrustCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Make this machine and its browsers trust devstack's local CA (HTTPS for every host)",
		Long: `devstack signs the ingress's certificate with a CA of its own, created on first
use in ` + "`$XDG_DATA_HOME/devstack/ca`" + ` (kept by reset). trust install adds it to the
system store (macOS System keychain; Debian/Ubuntu, Fedora/RHEL or Arch anchors)
and to the NSS databases of Firefox and Chromium when certutil is installed,
using sudo only for the system store, after listing every change.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTrustInstallCmd(s), newTrustUninstallCmd(s), newTrustStatusCmd(s), newTrustProbeCmd(s))
	return cmd
}

func newTrustInstallCmd(s *streams) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Trust devstack's CA in the system store and the browsers (creating the CA if needed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadOrCreateCA(s.out)
			if err != nil {
				return err
			}
			cfg := trust.ForMachine(s.env.OSRoot, c)
			if dryRun {
				cs, err := trust.Plan(cmd.Context(), cfg)
				if err != nil {
					return err
				}
				printTrustChanges(s.out, cs, true)
				return nil
			}
			cs, err := trust.Install(cmd.Context(), cfg, trustOptions(s))
			if err != nil {
				return err
			}
			if len(cs.Changes) == 0 {
				printTrustChanges(s.out, cs, false)
			}
			if cs.Layout.OS != "darwin" && cs.Layout.Family == "" {
				return nil // no system store to verify
			}
			if err := trust.Handshake(cmd.Context(), c, probeVerifier()); err != nil {
				return fmt.Errorf("%w\nthe system store did not take the root: see the output above", err)
			}
			fmt.Fprintln(s.out, "verified: a TLS handshake with a certificate from devstack's CA succeeds against the system roots")
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print exactly what would change, and change nothing")
	return cmd
}

func newTrustUninstallCmd(s *streams) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove devstack's CA from the system store and the browsers (the CA itself stays)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := uninstallTrust(cmd.Context(), s, dryRun)
			return err
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print exactly what would change, and change nothing")
	return cmd
}

// uninstallTrust removes this user's roots from every store and checks
// that the system no longer trusts the CA; it returns what it removed.
func uninstallTrust(ctx context.Context, s *streams, dryRun bool) ([]string, error) {
	dir, err := ca.Dir()
	if err != nil {
		return nil, err
	}
	c, err := ca.Load(dir)
	if err != nil && !errors.Is(err, ca.ErrNoCA) {
		return nil, err
	}
	cfg := trust.ForMachine(s.env.OSRoot, c)
	if dryRun {
		cs, err := trust.PlanUndo(ctx, cfg)
		if err != nil {
			return nil, err
		}
		printTrustChanges(s.out, cs, true)
		return nil, nil
	}
	cs, err := trust.Uninstall(ctx, cfg, trustOptions(s))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, ch := range cs.Changes {
		removed = append(removed, ch.String())
	}
	if c != nil && len(cs.Changes) > 0 && (cs.Layout.OS == "darwin" || cs.Layout.Family != "") {
		if err := trust.Handshake(ctx, c, probeVerifier()); err == nil {
			return removed, errors.New("the system still trusts devstack's CA after the removal: another copy of it is in the system store")
		}
	}
	return removed, nil
}

type trustStatus struct {
	CA          string        `json:"ca"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	Subject     string        `json:"subject,omitempty"`
	NotAfter    time.Time     `json:"notAfter,omitzero"`
	Stores      []trust.Store `json:"stores"`
	// SystemTrusted is the result of a real handshake against the system
	// roots.
	SystemTrusted bool     `json:"systemTrusted"`
	Handshake     string   `json:"handshake,omitempty"`
	Notes         []string `json:"notes,omitempty"`
}

func newTrustStatusCmd(s *streams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the CA and which stores trust it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			dir, err := ca.Dir()
			if err != nil {
				return err
			}
			st := trustStatus{CA: dir}
			c, err := ca.Load(dir)
			switch {
			case errors.Is(err, ca.ErrNoCA):
				st.Notes = append(st.Notes, "no CA yet: `devstack up` or `devstack trust install` creates it")
			case err != nil:
				return err
			default:
				st.Fingerprint, st.Subject, st.NotAfter = ca.Fingerprint(c.Cert), c.Cert.Subject.String(), c.Cert.NotAfter
				stores, cs, err := trust.Status(cmd.Context(), trust.ForMachine(s.env.OSRoot, c))
				if err != nil {
					return err
				}
				st.Stores, st.Notes = stores, cs.Notes
				if herr := trust.Handshake(cmd.Context(), c, probeVerifier()); herr != nil {
					st.Handshake = herr.Error()
				} else {
					st.SystemTrusted = true
				}
			}
			if output == "json" {
				return writeJSON(s.out, st)
			}
			writeTrustStatus(s.out, st)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// newTrustProbeCmd is the fresh process the verification runs in: Go reads
// the system roots once per process on Linux.
func newTrustProbeCmd(*streams) *cobra.Command {
	return &cobra.Command{
		Use:    "probe ADDR SERVERNAME",
		Short:  "Handshake with ADDR and verify its certificate against the system roots (used by trust install)",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return trust.SystemVerifier{}.Verify(cmd.Context(), args[0], args[1])
		},
	}
}

func probeVerifier() trust.Verifier {
	exe, err := os.Executable()
	// A test binary is not devstack: it would run its tests, not the probe.
	if err != nil || strings.HasSuffix(exe, ".test") {
		return trust.SystemVerifier{}
	}
	return trust.ExecVerifier{Argv: []string{exe, "trust", "probe"}}
}

func loadOrCreateCA(w io.Writer) (*ca.CA, error) {
	dir, err := ca.Dir()
	if err != nil {
		return nil, err
	}
	c, created, err := ca.LoadOrCreate(dir, time.Now())
	if err != nil {
		return nil, err
	}
	if created && w != nil {
		fmt.Fprintf(w, "created devstack's CA %q in %s (kept by reset; reset --all removes it)\n", c.Cert.Subject.CommonName, dir)
	}
	return c, nil
}

// trustOptions shows every changeset before it is applied.
func trustOptions(s *streams) trust.Options {
	return trust.Options{Runner: osdns.ExecRunner{}, Confirm: func(cs *trust.Changeset) error {
		printTrustChanges(s.out, cs, false)
		return nil
	}}
}

func printTrustChanges(w io.Writer, cs *trust.Changeset, dry bool) {
	printChanges(w, "system trust store here: "+cs.Layout.Describe(), cs.Notes, cs.Changes, cs.NeedsRoot(), dry)
}

func writeTrustStatus(w io.Writer, st trustStatus) {
	fmt.Fprintf(w, "CA: %s\n", st.CA)
	if st.Fingerprint != "" {
		fmt.Fprintf(w, "  %s, valid until %s\n  SHA-256 %s\n", st.Subject, st.NotAfter.Format(time.DateOnly), st.Fingerprint)
	}
	for _, s := range st.Stores {
		mark := "not trusted"
		if s.Trusted {
			mark = "trusted"
		}
		fmt.Fprintf(w, "%s: %s", s.Name, mark)
		if s.Detail != "" {
			fmt.Fprintf(w, " (%s)", s.Detail)
		}
		fmt.Fprintln(w)
	}
	switch {
	case st.Fingerprint == "":
	case st.SystemTrusted:
		fmt.Fprintln(w, "handshake against the system roots: ok")
	default:
		fmt.Fprintf(w, "handshake against the system roots: fails (%s)\n  run `devstack trust install`\n", st.Handshake)
	}
	for _, n := range st.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// resetCA is reset's part for the CA: kept (and said so) unless all, then
// removed from every store and deleted.
func resetCA(ctx context.Context, s *streams, all bool) error {
	dir, err := ca.Dir()
	if err != nil {
		return err
	}
	_, statErr := os.Stat(dir)
	if !all {
		if statErr == nil {
			fmt.Fprintf(s.out, "Kept devstack's CA in %s, so the browsers and the system keep trusting it (`devstack reset --all` removes it and its trust entries).\n", dir)
		}
		return nil
	}
	removed, err := uninstallTrust(ctx, s, false)
	if err != nil {
		return fmt.Errorf("removing devstack's CA from the trust stores: %w (the CA in %s is kept until they let go of it)", err, dir)
	}
	if statErr == nil {
		if err := ca.Remove(dir); err != nil {
			return err
		}
		removed = append(removed, "devstack's CA "+dir)
	}
	if len(removed) > 0 {
		fmt.Fprint(s.out, reset.Describe(removed))
	}
	return nil
}

// tlsStep is up's TLS phase on this machine.
func tlsStep(sink event.Sink, stateDir, osRoot string) *clustertls.Step {
	return &clustertls.Step{Sink: sink, StateDir: stateDir, Runner: osdns.ExecRunner{}, Verifier: probeVerifier(),
		Trust: func(c *ca.CA) trust.Config { return trust.ForMachine(osRoot, c) }}
}

// hostURLs are the plan's URLs: https:// (on the HTTPS port) for the
// hosts the cluster's certificate covers, as up last recorded it, http://
// otherwise. HTTP keeps working either way.
func hostURLs(p *stack.Plan) []string {
	stateDir, _ := paths.StateDir()
	var urls []string
	for _, h := range p.Hosts() {
		if stateDir == "" || !clustertls.Served(stateDir, h, time.Now()) {
			urls = append(urls, p.URL(h))
			continue
		}
		u := "https://" + h
		if port := p.Cluster.HTTPSPort; port != 0 && port != 443 {
			u += ":" + strconv.Itoa(port)
		}
		urls = append(urls, u)
	}
	return urls
}
