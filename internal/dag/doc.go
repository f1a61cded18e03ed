// Package dag holds the dependency graph of a stack and the scheduler that
// runs it. The graph validates itself (missing dependencies, cycles), sorts
// itself and measures its critical path. The scheduler starts each node the
// moment all of its dependencies succeeded, never waiting for a whole layer,
// with a bound on how many run at once, and reports every change of state
// as an event.
//
// The package knows nothing of Helm or kind: the work per node is a
// function the caller passes in.
package dag
