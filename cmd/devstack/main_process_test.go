package main

import (
	"os"
	"testing"
)

// runMainEnv makes the test binary run devstack's main instead of the
// tests, so a test can start devstack as a process and signal it.
const runMainEnv = "DEVSTACK_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}
