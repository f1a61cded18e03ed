package main

import "github.com/spf13/cobra"

func newDownCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "down (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack down")
		},
	}
}
