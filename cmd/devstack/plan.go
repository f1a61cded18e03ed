package main

import "github.com/spf13/cobra"

func newPlanCmd(_ *streams) *cobra.Command {
	return &cobra.Command{Use: "plan", RunE: func(*cobra.Command, []string) error { return notImplemented("plan") }}
}
