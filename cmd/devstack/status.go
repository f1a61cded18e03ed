package main

import "github.com/spf13/cobra"

func newStatusCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "status (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack status")
		},
	}
}
