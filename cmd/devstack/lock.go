package main

import (
	"strings"

	"github.com/devstack-dev/devstack/internal/statelock"
)

// lock makes this run the only up, down or reset of the state directory;
// a second one fails at once naming the holder (exit 1).
func (s *streams) lock() (release func(), err error) {
	l, err := statelock.Acquire(s.env.StateDir, strings.Join(append([]string{"devstack"}, s.args...), " "))
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}
