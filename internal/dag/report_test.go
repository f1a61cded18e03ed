package dag

import (
	"errors"
	"fmt"
	"testing"
)

type badInput struct{}

func (badInput) Error() string { return "refused" }
func (badInput) ExitCode() int { return 2 }

// A node's typed error stays reachable through the run's error, so that the
// CLI exits 2 for bad input refused by one component.
func TestRunErrorUnwrapsFailures(t *testing.T) {
	err := error(&RunError{Failed: []*Result{
		{Name: "a", Err: errors.New("pod crashed")},
		{Name: "b", Err: fmt.Errorf("b: %w", badInput{})},
	}, Blocked: []string{"c"}})
	var coded interface{ ExitCode() int }
	if !errors.As(err, &coded) || coded.ExitCode() != 2 {
		t.Fatalf("errors.As(%v) found no exit code", err)
	}
	if errors.As(error(&RunError{Failed: []*Result{{Name: "a", Err: errors.New("pod crashed")}}}), &coded) {
		t.Fatal("a runtime failure carries an exit code")
	}
}
