package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// stackFlags are the flags that choose the stack: every command that needs
// a plan takes the same ones.
type stackFlags struct {
	profile string
	files   []string
	sets    []string
	only    []string
}

func (f *stackFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.profile, "profile", "p", "", "profile: dev, prod, minimal, a name in $"+stack.EnvProfilePath+", or a file (default: what up applied, else "+stack.DefaultProfile+")")
	fl.StringArrayVarP(&f.files, "file", "f", nil, "overlay file in the stack schema (repeatable, applied in order)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a value: component.path=value (repeatable, applied last)")
	fl.StringSliceVar(&f.only, "only", nil, "only these components and what they depend on (comma-separated)")
	_ = cmd.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		infos, _ := stack.ListProfiles(stackOptions(stackFlags{}))
		var names []string
		for _, p := range infos {
			names = append(names, p.Name+"\t"+p.Description)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// plan loads and resolves the stack the flags describe.
func (f *stackFlags) plan() (*stack.Plan, error) {
	return stack.Load(stackOptions(*f))
}

func stackOptions(f stackFlags) stack.Options {
	return stack.Options{
		FS:          profiles.FS,
		Profile:     f.profile,
		ProfilePath: profilePath(),
		Files:       f.files,
		Sets:        f.sets,
		Only:        f.only,
	}
}

// profilePath splits $DEVSTACK_PROFILE_PATH into directories.
func profilePath() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv(stack.EnvProfilePath)) {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}
