package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/export/flux"
	"github.com/devstack-dev/devstack/profiles"
)

// errOutOfDate makes `export flux --check` exit 1 after printing the diff.
var errOutOfDate = errors.New("the exported tree is out of date: run devstack export flux again and commit the result")

func newExportCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the stack for another engine (Flux)",
	}
	cmd.AddCommand(newExportFluxCmd(s))
	return cmd
}

func newExportFluxCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var stages []string
	var cluster string
	var check bool
	cmd := &cobra.Command{
		Use:   "flux DIR",
		Short: "Write the stack as a Flux repository: apps/base, base/services, clusters/stages/<stage>",
		Long: `Writes the stack as a Flux repository in the seed's layout: a HelmRelease and its
chart source per component under apps/base, a Flux Kustomization per component
under base/services whose dependsOn are the stack's dependencies, and one
directory per stage under clusters/stages whose patches carry that stage's
differences from the first stage. Each stage is a profile (default: dev and prod);
-f and --set apply to every stage.`,
		Example: `  devstack export flux ./fleet
  devstack export flux ./fleet --stage dev --stage prod --cluster services-amer
  devstack export flux ./fleet --check     # exit 1 with a diff when ./fleet is out of date`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if c.Flags().Changed("profile") {
				if c.Flags().Changed("stage") {
					return usagef("--profile and --stage both name the stages: use --stage")
				}
				stages = []string{sf.profile}
			}
			if len(sf.only) > 0 {
				return usagef("--only is not supported by export: every stage has the whole stack")
			}
			opts := flux.Options{ChartFS: profiles.FS}
			for _, name := range stages {
				f := sf
				f.profile = name
				p, err := f.plan()
				if err != nil {
					return err
				}
				opts.Stages = append(opts.Stages, flux.Stage{Name: p.Profile, Cluster: cluster, Plan: p})
			}
			tree, err := flux.Export(opts)
			if err != nil {
				return err
			}
			dir := args[0]
			if check {
				diff, err := tree.Diff(dir)
				if err != nil {
					return err
				}
				if diff != "" {
					fmt.Fprint(s.out, diff)
					return errOutOfDate
				}
				fmt.Fprintf(s.out, "%s is up to date (%d files).\n", dir, len(tree))
				return nil
			}
			if err := tree.Write(dir); err != nil {
				return err
			}
			for _, st := range opts.Stages {
				fmt.Fprintf(s.out, "stage %s: %s/%s\n", st.Name, dir, flux.StageDir(st))
			}
			fmt.Fprintf(s.out, "Wrote %d files to %s; see %s/README.md.\n", len(tree), dir, dir)
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringArrayVar(&stages, "stage", []string{"dev", "prod"}, "a profile to write as a stage (repeatable; the first is the base)")
	cmd.Flags().StringVar(&cluster, "cluster", "", "the cluster directory under each stage (default: the profile's cluster name)")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 with a diff when DIR differs from the export")
	return cmd
}
