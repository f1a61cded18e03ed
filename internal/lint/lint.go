// Package lint renders every component of a plan exactly as `up` would
// install it and reports, per component, what would break or mislead:
// render errors, values that no template reads, images that are `latest`,
// unpinned or from a withdrawn source, ingresses whose host or class does
// not match the plan, and ServiceMonitors and PodMonitors that select
// nothing. It never contacts a cluster.
package lint

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/images"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Renderer renders charts; *helm.Renderer is the real one.
type Renderer interface {
	RenderPlan(ctx context.Context, p *stack.Plan) ([]helm.PlanRender, error)
	RenderValues(ctx context.Context, c stack.Planned, values map[string]any, caps helm.Capabilities) (*helm.Rendered, error)
}

// Severity says whether a finding fails the lint.
type Severity string

// The severities: an error makes Report.Failed true.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// The checks, as named in findings.
const (
	CheckRender  = "render"
	CheckValues  = "values"
	CheckImage   = "image"
	CheckIngress = "ingress"
	CheckMonitor = "monitor"
)

// Finding is one problem of a component.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	// Object is "Kind namespace/name" of the rendered object, or "values"
	// for a key of the plan's values.
	Object string `json:"object,omitempty"`
	// Template is the chart file that rendered Object.
	Template string `json:"template,omitempty"`
	// Field is the path inside Object (or the values key).
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Image is one image a component pulls, with what is wrong with it.
type Image struct {
	Reference string `json:"reference"`
	// Problems are "latest", "unpinned", "withdrawn" or "invalid"; empty
	// when the image is fine.
	Problems []string `json:"problems,omitempty"`
	// NeverPulled is true when every container that uses the image has
	// imagePullPolicy Never: the node must already have it.
	NeverPulled bool `json:"neverPulled,omitempty"`
}

// Component is the lint of one component.
type Component struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Chart is "name version" as rendered; empty when loading failed.
	Chart    string    `json:"chart,omitempty"`
	Status   string    `json:"status"`
	Findings []Finding `json:"findings"`
	Images   []Image   `json:"images"`
	// ValueKeys is how many keys of the plan's values were checked, and
	// Renders how many renders that took.
	ValueKeys int `json:"valueKeys"`
	Renders   int `json:"renders"`
}

// The statuses of a component.
const (
	StatusOK       = "ok"
	StatusWarnings = "warnings"
	StatusErrors   = "errors"
)

// Report is the lint of a plan.
type Report struct {
	Profile    string      `json:"profile"`
	Components []Component `json:"components"`
	Errors     int         `json:"errors"`
	Warnings   int         `json:"warnings"`
	// Seconds is the wall time of the whole lint.
	Seconds float64 `json:"seconds"`
}

// Failed reports whether any component has an error.
func (r *Report) Failed() bool { return r.Errors > 0 }

// Options configure Run.
type Options struct {
	Renderer Renderer
	// MaxRenders bounds the renders the values check spends on one
	// component (each key costs one or two); keys beyond it are reported
	// as not checked. Zero means DefaultMaxRenders.
	MaxRenders int
	// Concurrency is how many renders run at once; zero means GOMAXPROCS.
	Concurrency int
}

// DefaultMaxRenders is the values check's budget per component: enough
// for the largest catalog component (kube-prometheus-stack's ~70 keys).
const DefaultMaxRenders = 400

// Run lints the plan. The error is for a lint that could not run at all;
// what is wrong with the components is in the report.
func Run(ctx context.Context, p *stack.Plan, opts Options) (*Report, error) {
	start := time.Now()
	if opts.MaxRenders <= 0 {
		opts.MaxRenders = DefaultMaxRenders
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	renders, err := opts.Renderer.RenderPlan(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("rendering the plan: %w", err)
	}
	imgs := images.FromRenders(renders)
	ing := ingressOf(p, renders)
	world := newWorld(renders)

	comps := make([]Component, len(renders))
	for i, pr := range renders {
		c := &comps[i]
		c.Name, c.Namespace = pr.Component.Name, pr.Component.Namespace
		if pr.Err != nil {
			c.Findings = append(c.Findings, Finding{Severity: Error, Check: CheckRender, Message: pr.Err.Error()})
		} else {
			c.Chart = pr.Rendered.Chart + " " + pr.Rendered.Version
			c.Findings = append(c.Findings, checkIngresses(pr, ing)...)
			c.Findings = append(c.Findings, checkMonitors(pr, world)...)
		}
		var found []Finding
		c.Images, found = checkImages(pr.Component.Name, imgs)
		c.Findings = append(c.Findings, found...)
	}
	values, err := checkValues(ctx, renders, opts)
	if err != nil {
		return nil, err
	}
	for i := range comps {
		v := values[i]
		comps[i].Findings = append(comps[i].Findings, v.findings...)
		comps[i].ValueKeys, comps[i].Renders = v.keys, v.renders
	}

	rep := &Report{Profile: p.Profile, Components: comps}
	for i := range comps {
		c := &comps[i]
		sortFindings(c.Findings)
		if c.Findings == nil {
			c.Findings = []Finding{}
		}
		if c.Images == nil {
			c.Images = []Image{}
		}
		c.Status = StatusOK
		for _, f := range c.Findings {
			switch f.Severity {
			case Error:
				rep.Errors++
				c.Status = StatusErrors
			case Warning:
				rep.Warnings++
				if c.Status == StatusOK {
					c.Status = StatusWarnings
				}
			}
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// sortFindings puts errors first, then by check, object and field, so the
// output is the same on every run.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity == Error
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if a.Object != b.Object {
			return a.Object < b.Object
		}
		return a.Field < b.Field
	})
}
