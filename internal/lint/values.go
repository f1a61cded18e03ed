package lint

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/devstack-dev/devstack/internal/helm"
)

// The values check: a key of the plan's values that the chart never reads
// is the silent bug of every values file (a typo, a key that moved, a
// subchart that is disabled): the user believes it is set, the cluster
// never sees it. A key counts as read when removing it changes the
// rendered output (or makes the render fail), or, when its value equals
// the chart's default so that removing it changes nothing, when changing
// it does. Every leaf of the values is tried (lists and empty maps are
// leaves); each costs one render, two when its value is the default.
//
// The comparison ignores what differs between two renders of the same
// values (random passwords, generated certificates): those lines are
// masked. NOTES.txt is not compared: it installs nothing.
//
// The cost is bounded by Options.MaxRenders per component; the keys
// beyond it are reported as not checked, never as unread.

type valuesResult struct {
	findings []Finding
	keys     int
	renders  int
}

// leaf is one key of the values, as a path from the root.
type leaf []string

func (l leaf) String() string {
	var b strings.Builder
	for i, k := range l {
		if strings.ContainsAny(k, ".[]\" ") {
			fmt.Fprintf(&b, "[%q]", k)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

// leaves lists the leaves of values, sorted.
func leaves(values map[string]any) []leaf {
	var out []leaf
	var walk func(prefix leaf, m map[string]any)
	walk = func(prefix leaf, m map[string]any) {
		for k, v := range m {
			p := append(append(leaf(nil), prefix...), k)
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
				walk(p, sub)
				continue
			}
			out = append(out, p)
		}
	}
	walk(nil, values)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// without returns a deep copy of values without the leaf, and without the
// maps that only held it: as if the key had never been written.
func without(values map[string]any, l leaf) map[string]any {
	out := deepCopy(values)
	var drop func(m map[string]any, path leaf) bool
	drop = func(m map[string]any, path leaf) bool {
		if len(path) == 1 {
			delete(m, path[0])
		} else if sub, ok := m[path[0]].(map[string]any); ok && drop(sub, path[1:]) {
			delete(m, path[0])
		}
		return len(m) == 0
	}
	drop(out, l)
	return out
}

// changed returns a deep copy of values with the leaf set to another value
// of the same kind.
func changed(values map[string]any, l leaf) map[string]any {
	out := deepCopy(values)
	m := out
	for _, k := range l[:len(l)-1] {
		m = m[k].(map[string]any)
	}
	k := l[len(l)-1]
	m[k] = perturb(m[k])
	return out
}

// perturb returns another value of v's kind. A non-empty list or map keeps
// its shape with its first element changed: a list emptied may render as
// the chart's default (kube-prometheus-stack's ingress paths default to
// "/"), which would take a read key for unread.
func perturb(v any) any {
	const mark = "devstack-lint"
	switch v := v.(type) {
	case bool:
		return !v
	case float64:
		return v + 1
	case string:
		if v == "" {
			return mark
		}
		return v + "-" + mark
	case []any:
		if len(v) == 0 {
			return []any{mark}
		}
		return append([]any{perturb(v[0])}, v[1:]...)
	case map[string]any:
		if len(v) == 0 {
			return map[string]any{mark: mark}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		v[keys[0]] = perturb(v[keys[0]])
		return v
	default: // null: Helm deletes the chart's default for the key
		return mark
	}
}

// deepCopy copies values through JSON, the form the renderer passes to
// Helm (numbers become float64).
func deepCopy(values map[string]any) map[string]any {
	out := map[string]any{}
	b, err := json.Marshal(values)
	if err != nil {
		panic(fmt.Sprintf("values that marshalled once fail now: %v", err))
	}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("values that marshalled once fail now: %v", err))
	}
	return out
}

// valuesJob is the values check of one component.
type valuesJob struct {
	pr     helm.PlanRender
	values map[string]any
	base   *fingerprint
	keys   []leaf
	budget int

	mu      sync.Mutex
	renders int
	unread  []leaf
	skipped []leaf
	err     error
}

// render renders a variant within the job's budget; ok is false once the
// budget is spent.
func (j *valuesJob) render(ctx context.Context, r Renderer, values map[string]any) (fp *fingerprint, renderErr error, ok bool) {
	j.mu.Lock()
	if j.renders >= j.budget {
		j.mu.Unlock()
		return nil, nil, false
	}
	j.renders++
	j.mu.Unlock()
	out, err := r.RenderValues(ctx, j.pr.Component, values, j.pr.Capabilities)
	if err != nil {
		return nil, err, true
	}
	return newFingerprint(out), nil, true
}

// check decides whether key l is read.
func (j *valuesJob) check(ctx context.Context, r Renderer, l leaf) {
	for _, variant := range []func(map[string]any, leaf) map[string]any{without, changed} {
		fp, renderErr, ok := j.render(ctx, r, variant(j.values, l))
		if !ok {
			j.mu.Lock()
			j.skipped = append(j.skipped, l)
			j.mu.Unlock()
			return
		}
		if ctx.Err() != nil {
			j.mu.Lock()
			j.err = ctx.Err()
			j.mu.Unlock()
			return
		}
		if renderErr != nil || !j.base.same(fp) {
			return
		}
	}
	j.mu.Lock()
	j.unread = append(j.unread, l)
	j.mu.Unlock()
}

// checkValues runs the values check of every rendered component, with at
// most opts.Concurrency renders at once across all of them.
func checkValues(ctx context.Context, renders []helm.PlanRender, opts Options) ([]valuesResult, error) {
	jobs := make([]*valuesJob, len(renders))
	type task struct {
		job *valuesJob
		key leaf
	}
	var tasks []task
	for i, pr := range renders {
		if pr.Rendered == nil || len(pr.Component.Values) == 0 {
			continue
		}
		j := &valuesJob{pr: pr, values: deepCopy(pr.Component.Values), budget: opts.MaxRenders}
		j.keys = leaves(j.values)
		// A second render of the same values finds what is not
		// deterministic; it counts against the budget.
		again, err, _ := j.render(ctx, opts.Renderer, j.values)
		if err != nil {
			return nil, fmt.Errorf("%s: rendering again: %w", pr.Component.Name, err)
		}
		j.base = newFingerprint(pr.Rendered).masked(again)
		jobs[i] = j
		for _, k := range j.keys {
			tasks = append(tasks, task{j, k})
		}
	}

	work := make(chan task)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				t.job.check(ctx, opts.Renderer, t.key)
			}
		}()
	}
	for _, t := range tasks {
		work <- t
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	out := make([]valuesResult, len(renders))
	for i, j := range jobs {
		if j == nil {
			continue
		}
		res := valuesResult{keys: len(j.keys), renders: j.renders}
		sort.Slice(j.unread, func(a, b int) bool { return j.unread[a].String() < j.unread[b].String() })
		for _, l := range j.unread {
			res.findings = append(res.findings, Finding{Severity: Error, Check: CheckValues, Object: "values", Field: l.String(),
				Message: fmt.Sprintf("set to %s, but no template of %s %s reads it: the output is the same without it and with another value",
					brief(valueAt(j.values, l)), j.pr.Rendered.Chart, j.pr.Rendered.Version)})
		}
		if len(j.skipped) > 0 {
			res.findings = append(res.findings, Finding{Severity: Warning, Check: CheckValues, Object: "values",
				Message: fmt.Sprintf("%d of %d keys not checked: the budget of %d renders is spent (first unchecked: %s)",
					len(j.skipped), len(j.keys), j.budget, firstLeaf(j.skipped))})
		}
		out[i] = res
	}
	return out, nil
}

func firstLeaf(ls []leaf) string {
	sort.Slice(ls, func(a, b int) bool { return ls[a].String() < ls[b].String() })
	return ls[0].String()
}

func valueAt(values map[string]any, l leaf) any {
	var v any = values
	for _, k := range l {
		v = v.(map[string]any)[k]
	}
	return v
}

// brief is a value for a message: JSON, cut short.
func brief(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
