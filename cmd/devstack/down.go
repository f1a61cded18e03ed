package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
)

func newDownCmd(s *streams) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the cluster's node containers and keep their state",
		Long: `down stops the kind cluster's node containers. Everything inside them (the
installed releases, volumes, databases) is kept: the next devstack up starts the
containers again and converges. devstack reset deletes the cluster instead.`,
		Example: `  devstack down
  devstack down --name team`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			release, err := s.lock()
			if err != nil {
				return err
			}
			defer release()
			if err := s.choose(&stackFlags{}, &tf); err != nil {
				return err
			}
			if tf.context != "" {
				fmt.Fprintf(s.out, "Context %q is not a cluster devstack made: nothing to stop (`devstack reset` uninstalls its releases).\n", tf.context)
				return nil
			}
			name := tf.name
			m, err := s.manager(event.SinkFunc(func(e event.Event) {
				if e.State == event.Running && e.Name == name {
					fmt.Fprintf(s.out, "Cluster %q: %s...\n", name, e.Message)
				}
			}))
			if err != nil {
				return err
			}
			if name == "" {
				// The one cluster devstack made, whatever its profile
				// named it; the default name otherwise.
				name = kind.DefaultName
				if recorded, _ := m.Recorded(); len(recorded) == 1 {
					name = recorded[0]
				}
			}
			err = m.Stop(cmd.Context(), name)
			switch {
			case errors.Is(err, kind.ErrNoCluster):
				fmt.Fprintf(s.out, "No cluster %q: nothing to stop.\n", name)
				return nil
			case err != nil:
				return err
			}
			fmt.Fprintf(s.out, "Cluster %q is stopped; its state is kept. `devstack up` starts it again, `devstack reset` deletes it.\n", name)
			return nil
		},
	}
	cmd.Flags().StringVar(&tf.name, "name", "", "name of the cluster (default: the one up made, else "+kind.DefaultName+")")
	return cmd
}
