package main

import (
	"github.com/devstack-dev/devstack/internal/applied"
	"github.com/devstack-dev/devstack/internal/stack"
)

// choose fills the stack flags (and the target flags, when the command
// has them) by applied.Choose: the flag, then what up applied, then the
// default.
func (s *streams) choose(sf *stackFlags, tf *targetFlags) error {
	rec, err := applied.Load(s.env.StateDir)
	if err != nil {
		return err
	}
	f := applied.Flags{Stack: sf.applied()}
	if tf != nil {
		f.Target = applied.Target{Cluster: tf.name, Context: tf.context, Kubeconfig: tf.kubeconfig}
	}
	c := applied.Choose(f, rec, stack.DefaultProfile)
	sf.profile, sf.files, sf.sets, sf.only = c.Profile, c.Files, c.Sets, c.Only
	if tf != nil {
		tf.name, tf.context, tf.kubeconfig = c.Cluster, c.Context, c.Kubeconfig
	}
	return nil
}

// record remembers what up applies, before it touches anything, so that a
// status, down or reset after an interrupted up still finds its cluster.
func (s *streams) record(sf stackFlags, cluster, context, kubeconfig string) error {
	return applied.Save(s.env.StateDir, applied.Record{Stack: sf.applied(),
		Target: applied.Target{Cluster: cluster, Context: context, Kubeconfig: kubeconfig}})
}

func (f stackFlags) applied() applied.Stack {
	return applied.Stack{Profile: f.profile, Files: f.files, Sets: f.sets, Only: f.only}
}
