package stack

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem with the input, located in a file. Its exit code is 2:
// bad input, refused before anything is touched.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// ExitCode marks the error as bad input.
func (e *Error) ExitCode() int { return 2 }

// ErrorList is every problem found in one pass, so the user fixes them all
// at once rather than one per run.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// ExitCode marks the errors as bad input.
func (l ErrorList) ExitCode() int { return 2 }

// orNil returns l as an error, or nil when it is empty.
func (l ErrorList) orNil() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

var yamlLine = regexp.MustCompile(`^\s*(?:yaml: )?line (\d+): (.*)$`)

// fromYAML turns a yaml.v3 error into located Errors, naming the field at
// each reported line by looking it up in the parsed node tree.
func fromYAML(file string, root *yaml.Node, err error) error {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	var out ErrorList
	for _, l := range lines {
		e := &Error{File: file, Msg: strings.TrimPrefix(l, "yaml: ")}
		if m := yamlLine.FindStringSubmatch(l); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
			if root != nil {
				e.Field = fieldAt(root, e.Line)
			}
		}
		e.Msg = strings.ReplaceAll(e.Msg, "stack.", "")
		out = append(out, e)
	}
	return out
}

// fieldAt returns the path of the first (outermost) field whose key or
// value starts on line, such as "components[2].chart.version".
func fieldAt(n *yaml.Node, line int) string {
	var best string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if best == "" && (k.Line == line || v.Line == line) {
					best = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if best == "" && c.Line == line && c.Kind == yaml.ScalarNode {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(n, "")
	return best
}
