package main

import "path/filepath"

// globalFlagsWithValue are runc's global flags that take a separate value;
// they come before the subcommand and must be skipped to find it.
var globalFlagsWithValue = map[string]bool{
	"--root": true, "--log": true, "--log-format": true, "--criu": true, "--rootless": true,
}

// specFile returns the JSON file runc will read capabilities from: the
// bundle's config.json for create and run, the --process file for exec.
// isProcess tells which of the two shapes the file has. It returns "" when
// the command carries no spec (state, start, kill, delete, ...).
func specFile(args []string) (path string, isProcess bool) {
	i := 0
	for i < len(args) {
		a := args[i]
		if len(a) == 0 || a[0] != '-' {
			break
		}
		if globalFlagsWithValue[a] {
			i++
		}
		i++
	}
	if i >= len(args) {
		return "", false
	}
	sub, rest := args[i], args[i+1:]
	switch sub {
	case "create", "run":
		bundle := "."
		if v, ok := flagValue(rest, "--bundle", "-b"); ok {
			bundle = v
		}
		return filepath.Join(bundle, "config.json"), false
	case "exec":
		if v, ok := flagValue(rest, "--process", "-p"); ok {
			return v, true
		}
	}
	return "", false
}

// flagValue finds "--name value", "--name=value" or "-n value" in args.
func flagValue(args []string, long, short string) (string, bool) {
	for i, a := range args {
		switch {
		case a == long || a == short:
			if i+1 < len(args) {
				return args[i+1], true
			}
		case len(a) > len(long) && a[:len(long)+1] == long+"=":
			return a[len(long)+1:], true
		}
	}
	return "", false
}
