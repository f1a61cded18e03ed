package main

import "github.com/spf13/cobra"

func newUpCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "up",
		Short: "up (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack up")
		},
	}
}
