package stack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// position records where a component's fields were written, so errors
// found after merging still point at the line that caused them.
// A field path within the component ("" for the component itself, "name",
// "dependsOn[1]", "chart.version") maps to the file and line that last
// wrote it.
type position map[string]loc

type loc struct {
	file string
	line int
}

// at locates field, or else its nearest written parent: a missing
// chart.version is reported at the line of chart.
func (p position) at(field string) (string, int) {
	for {
		if l, ok := p[field]; ok {
			return l.file, l.line
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return p[""].file, p[""].line
		}
		field = field[:i]
	}
}

// Parse decodes one document strictly: unknown fields, wrong types and
// malformed YAML are errors naming the file, line and field.
func Parse(file string, data []byte) (*Document, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fromYAML(file, nil, err)
	}
	if root.Kind == 0 {
		return nil, ErrorList{{File: file, Msg: "the file is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc Document
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fromYAML(file, &root, err)
	}
	doc.file = file
	body := root.Content[0]
	var errs ErrorList
	if doc.APIVersion != APIVersion {
		errs = append(errs, &Error{File: file, Line: keyLine(body, "apiVersion"), Field: "apiVersion",
			Msg: fmt.Sprintf("must be %q, got %q", APIVersion, doc.APIVersion)})
	}
	if doc.Kind != Kind {
		errs = append(errs, &Error{File: file, Line: keyLine(body, "kind"), Field: "kind",
			Msg: fmt.Sprintf("must be %q, got %q", Kind, doc.Kind)})
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	annotate(&doc, body)
	return &doc, nil
}

// keyLine is the line of key in mapping m, or m's own line.
func keyLine(m *yaml.Node, key string) int {
	if v := lookup(m, key); v != nil {
		return v.Line
	}
	return m.Line
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// annotate stores each component's field lines from the node tree.
func annotate(doc *Document, body *yaml.Node) {
	doc.onlyLine = keyLine(body, "only")
	doc.domainLine = keyLine(body, "domain")
	seq := lookup(body, "components")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return
	}
	for i, item := range seq.Content {
		if i >= len(doc.Components) {
			break
		}
		lines := position{"": {doc.file, item.Line}}
		var walk func(n *yaml.Node, path string)
		walk = func(n *yaml.Node, path string) {
			switch n.Kind {
			case yaml.MappingNode:
				for k := 0; k+1 < len(n.Content); k += 2 {
					p := n.Content[k].Value
					if path != "" {
						p = path + "." + p
					}
					lines[p] = loc{doc.file, n.Content[k].Line}
					if p != "values" { // values are the chart's, not ours
						walk(n.Content[k+1], p)
					}
				}
			case yaml.SequenceNode:
				for k, c := range n.Content {
					p := fmt.Sprintf("%s[%d]", path, k)
					lines[p] = loc{doc.file, c.Line}
					walk(c, p)
				}
			}
		}
		walk(item, "")
		doc.Components[i].pos = lines
	}
}
