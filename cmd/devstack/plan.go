package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/stack"
)

func newPlanCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var output string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what `up` would install, in which order, and the critical path",
		Example: `  devstack plan
  devstack plan --profile prod -o json
  devstack plan --only n8n            # n8n and everything it depends on
  devstack plan -f mystack.yaml --set postgresql.cluster.instances=2`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := s.choose(&sf, nil); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(s.out, p)
			}
			writePlanTable(s.out, p)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// checkOutput validates the --output flag of the commands that print a
// table or JSON.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("--output must be table or json, got %q", output)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writePlanTable prints the plan in under 80 columns: long dependency lists
// are shortened, since `plan -o json` has them whole.
func writePlanTable(w io.Writer, p *stack.Plan) {
	fmt.Fprintf(w, "Profile %s, domain %s: %d components.\n", p.Profile, p.Domain, len(p.Components))
	fmt.Fprintf(w, "Critical path %s: %s\n\n", fmtSeconds(p.CriticalSeconds), wrap(strings.Join(p.CriticalPath, " -> "), 60, "  "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Namespaces and full dependency lists are in `plan -o json`; the
	// table keeps to 80 columns.
	fmt.Fprintln(tw, "L\tCOMPONENT\tCHART\tEST\tDEPENDS ON")
	for _, c := range p.Components {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", c.Layer, clip(c.Name, 21),
			clip(chartLabel(c.Chart), 24), fmtSeconds(c.EstimatedSeconds), depsLabel(c.DependsOn, 21))
	}
	tw.Flush()
	if urls := p.URLs(); len(urls) > 0 {
		fmt.Fprintf(w, "\nHosts:\n  %s\n", wrap(strings.Join(urls, " "), 76, "  "))
	}
}

func chartLabel(c *stack.Chart) string {
	switch {
	case c == nil:
		return "-"
	case c.Path != "":
		if c.Embedded {
			return "local:" + strings.TrimPrefix(c.Path, "charts/")
		}
		return "path:" + c.Path
	case c.OCI != "":
		return c.OCI[strings.LastIndex(c.OCI, "/")+1:] + "@" + c.Version
	default:
		return c.Name + "@" + c.Version
	}
}

func depsLabel(deps []string, width int) string {
	if len(deps) == 0 {
		return "-"
	}
	all := strings.Join(deps, ",")
	if len(all) <= width {
		return all
	}
	if len(deps) == 1 {
		return clip(deps[0], width)
	}
	for n := len(deps) - 1; n > 0; n-- {
		s := fmt.Sprintf("%s,+%d", strings.Join(deps[:n], ","), len(deps)-n)
		if len(s) <= width {
			return s
		}
	}
	return fmt.Sprintf("%d components", len(deps))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func fmtSeconds(s int) string {
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}

// wrap breaks s at spaces into lines of at most width, indenting the
// continuation lines.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > width {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
