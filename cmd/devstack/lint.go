package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/lint"
	"github.com/devstack-dev/devstack/profiles"
)

func newLintCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var output string
	var maxRenders int
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Render every component as `up` would and report what would break or mislead",
		Long: `lint renders every component's chart with the plan's values, exactly as up
would install it (the same chart cache, OCI registries and repositories), without
a cluster, and reports per component: render errors, values keys that no
template reads, images that are latest, unpinned or from a withdrawn source,
ingresses whose host or class does not match the plan, and ServiceMonitors
and PodMonitors that select nothing. It exits 1 when it finds an error.`,
		Example: `  devstack lint
  devstack lint --profile prod -o json
  devstack lint -f mystack.yaml --set grafana.ingress.enabled=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			r, err := helm.NewRenderer(helm.RenderOptions{ChartFS: profiles.FS})
			if err != nil {
				return err
			}
			rep, err := lint.Run(cmd.Context(), p, lint.Options{Renderer: r, MaxRenders: maxRenders})
			if err != nil {
				return err
			}
			if output == "json" {
				if err := writeJSON(s.out, rep); err != nil {
					return err
				}
			} else {
				writeLint(s.out, rep, helm.PlanKubeVersion(p))
			}
			if rep.Failed() {
				return fmt.Errorf("lint found %s in profile %s", plural(rep.Errors, "error"), rep.Profile)
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.Flags().IntVar(&maxRenders, "max-renders", lint.DefaultMaxRenders, "renders the values check may spend per component")
	return cmd
}

// writeLint prints the report per component: its status, each finding
// with where it is and what is wrong, and the images it pulls.
func writeLint(w io.Writer, rep *lint.Report, kubeVersion string) {
	fmt.Fprintf(w, "Profile %s: %d components rendered for Kubernetes %s in %.1fs.\n",
		rep.Profile, len(rep.Components), kubeVersion, rep.Seconds)
	counts := map[string]int{}
	for _, c := range rep.Components {
		counts[c.Status]++
		fmt.Fprintf(w, "\n%s", c.Name)
		if c.Chart != "" {
			fmt.Fprintf(w, " (%s)", c.Chart)
		}
		fmt.Fprintf(w, ": %s\n", lintStatus(c))
		for _, f := range c.Findings {
			where := strings.TrimSpace(f.Object + " " + f.Field)
			if f.Check == lint.CheckValues && f.Field != "" {
				where = "values." + f.Field
			}
			if f.Template != "" {
				where += " (" + f.Template + ")"
			}
			if where != "" {
				fmt.Fprintf(w, "  %-7s %-7s %s\n  %16s%s\n", f.Severity, f.Check, where, "", f.Message)
			} else {
				fmt.Fprintf(w, "  %-7s %-7s %s\n", f.Severity, f.Check, f.Message)
			}
		}
		for _, img := range c.Images {
			note := ""
			switch {
			case len(img.Problems) > 0:
				note = " (" + strings.Join(img.Problems, ", ") + ")"
			case img.NeverPulled:
				note = " (never pulled: imagePullPolicy Never)"
			}
			fmt.Fprintf(w, "  image   %s%s\n", img.Reference, note)
		}
	}
	fmt.Fprintf(w, "\n%d ok, %d with warnings, %d with errors: %s, %s.\n",
		counts[lint.StatusOK], counts[lint.StatusWarnings], counts[lint.StatusErrors],
		plural(rep.Errors, "error"), plural(rep.Warnings, "warning"))
}

func lintStatus(c lint.Component) string {
	var e, wn int
	for _, f := range c.Findings {
		if f.Severity == lint.Error {
			e++
		} else {
			wn++
		}
	}
	switch {
	case e > 0 && wn > 0:
		return plural(e, "error") + ", " + plural(wn, "warning")
	case e > 0:
		return plural(e, "error")
	case wn > 0:
		return plural(wn, "warning")
	}
	return "ok"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
