package main

import "github.com/spf13/cobra"

func newResetCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "reset",
		Short: "reset (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack reset")
		},
	}
}
