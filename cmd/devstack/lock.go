package main

import (
	"strings"

	"github.com/devstack-dev/devstack/internal/statelock"
)

// lock makes this run the only up, down or reset of the state directory;
// a second one fails at once naming the holder (exit 1).
func (s *streams) lock() (release func(), err error) {
	l, err := statelock.Acquire(s.env.StateDir, holderCommand(s.args))
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// holderCommand is the command line a second run names, with the values of
// --set hidden: they may be passwords, and that message lands in another
// run's output (a CI log).
func holderCommand(args []string) string {
	out := []string{"devstack"}
	hideNext := false
	for _, a := range args {
		switch {
		case hideNext:
			a, hideNext = hideValue(a), false
		case a == "--set":
			hideNext = true
		case strings.HasPrefix(a, "--set="):
			a = "--set=" + hideValue(strings.TrimPrefix(a, "--set="))
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}

func hideValue(set string) string {
	if path, _, ok := strings.Cut(set, "="); ok {
		return path + "=..."
	}
	return set
}
