package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/devstack-dev/devstack/internal/stack"
)

func newProfilesCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles and show what one resolves to",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the profiles",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			infos, err := stack.ListProfiles(stackOptions(stackFlags{}))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDESCRIPTION\tSOURCE")
			for _, p := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Description, p.Source)
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a profile merged over the catalog, as YAML",
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			infos, _ := stack.ListProfiles(stackOptions(stackFlags{}))
			var names []string
			for _, p := range infos {
				names = append(names, p.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := stack.Load(stackOptions(stackFlags{profile: args[0]}))
			if err != nil {
				return err
			}
			doc := stack.Document{APIVersion: stack.APIVersion, Kind: stack.Kind, Domain: p.Domain, Cluster: &p.Cluster}
			for _, c := range p.Components {
				doc.Components = append(doc.Components, c.Component)
			}
			fmt.Fprintf(s.out, "# profile %s, merged over the catalog\n", p.Profile)
			enc := yaml.NewEncoder(s.out)
			enc.SetIndent(2)
			defer enc.Close()
			return enc.Encode(doc)
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}
