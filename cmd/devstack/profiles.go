package main

import "github.com/spf13/cobra"

func newProfilesCmd(_ *streams) *cobra.Command {
	return &cobra.Command{Use: "profiles", RunE: func(*cobra.Command, []string) error { return notImplemented("profiles") }}
}
