package main

import "github.com/spf13/cobra"

func newDNSCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "dns",
		Short: "dns (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack dns")
		},
	}
}
