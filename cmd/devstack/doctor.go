package main

import "github.com/spf13/cobra"

func newDoctorCmd(_ *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "doctor (not implemented yet)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return notImplemented("devstack doctor")
		},
	}
}
