package stack

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "dev"

// DefaultDomain is the seed's domain: http://grafana.local.
const DefaultDomain = "local"

// EnvProfilePath lists extra directories (colon-separated) searched for
// profiles named NAME.yaml after the embedded ones.
const EnvProfilePath = "DEVSTACK_PROFILE_PATH"

// Options say which files make the stack.
type Options struct {
	// FS holds the embedded catalog (catalog/*.yaml), profiles (*.yaml) and
	// local charts (profiles.FS).
	FS fs.FS
	// Profile is an embedded profile's name, a name found in ProfilePath,
	// or a path to a profile file. Empty means DefaultProfile.
	Profile string
	// ProfilePath are extra directories to find profiles in.
	ProfilePath []string
	// Files are the user's overlays, applied in order after the profile.
	Files []string
	// Sets are "component.values.path=value" overrides, applied last.
	Sets []string
	// Only selects these components and everything they depend on.
	Only []string
}

// merged is the state while documents are overlaid.
type merged struct {
	domain, domainFile string
	domainLine         int
	only               []string
	onlyFile           string
	onlyLine           int
	cluster            Cluster
	ingress            Ingress
	components         []Component
	index              map[string]int
	dirs               map[string]string // component -> dir of the file that set its chart
}

// Load reads the catalog, the profile and the user's files, merges them,
// validates the result and resolves it into a Plan. Every problem with the
// input is an *Error or ErrorList (exit code 2).
func Load(opts Options) (*Plan, error) {
	name := opts.Profile
	if name == "" {
		name = DefaultProfile
	}
	profile, err := findProfile(opts, name)
	if err != nil {
		return nil, err
	}
	s := &merged{
		domain:  DefaultDomain,
		cluster: Cluster{Name: "devstack", HTTPPort: 80, HTTPSPort: 443},
		ingress: Ingress{Namespace: "traefik", Service: "traefik"},
		index:   map[string]int{},
		dirs:    map[string]string{},
	}
	var errs ErrorList
	if !profile.doc.Standalone {
		catalog, err := readCatalog(opts.FS)
		if err != nil {
			return nil, err
		}
		for _, d := range catalog {
			errs = append(errs, s.overlay(d, true)...)
		}
	}
	errs = append(errs, s.apply(profile.doc, profile.dir, profile.doc.Standalone)...)
	for _, f := range opts.Files {
		doc, dir, err := readFile(f)
		if err != nil {
			return nil, err
		}
		errs = append(errs, s.apply(doc, dir, false)...)
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if err := s.set(opts.Sets); err != nil {
		return nil, err
	}
	return s.resolve(profile.name, opts.Only)
}

// apply overlays a document read from disk, remembering its directory so
// relative chart paths resolve against it.
func (s *merged) apply(doc *Document, dir string, defining bool) ErrorList {
	errs := s.overlay(doc, defining)
	for _, c := range doc.Components {
		if c.Chart != nil {
			s.dirs[c.Name] = dir
		}
	}
	return errs
}

type foundProfile struct {
	name string
	doc  *Document
	dir  string // "" for an embedded profile
}

func findProfile(opts Options, name string) (*foundProfile, error) {
	if strings.ContainsRune(name, os.PathSeparator) || strings.HasSuffix(name, ".yaml") {
		doc, dir, err := readFile(name)
		if err != nil {
			return nil, err
		}
		return &foundProfile{name: strings.TrimSuffix(filepath.Base(name), ".yaml"), doc: doc, dir: dir}, nil
	}
	if data, err := fs.ReadFile(opts.FS, name+".yaml"); err == nil {
		doc, err := Parse("profiles/"+name+".yaml", data)
		if err != nil {
			return nil, err
		}
		return &foundProfile{name: name, doc: doc}, nil
	}
	for _, d := range opts.ProfilePath {
		p := filepath.Join(d, name+".yaml")
		if _, err := os.Stat(p); err == nil {
			doc, dir, err := readFile(p)
			if err != nil {
				return nil, err
			}
			return &foundProfile{name: name, doc: doc, dir: dir}, nil
		}
	}
	avail, _ := ListProfiles(opts)
	var names []string
	for _, p := range avail {
		names = append(names, p.Name)
	}
	return nil, &Error{File: "--profile", Msg: fmt.Sprintf("unknown profile %q (available: %s)", name, strings.Join(names, ", "))}
}

func readFile(p string) (*Document, string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, "", &Error{File: p, Msg: fmt.Sprintf("cannot read: %v", errorsCause(err))}
	}
	doc, err := Parse(p, data)
	if err != nil {
		return nil, "", err
	}
	abs, err := filepath.Abs(filepath.Dir(p))
	if err != nil {
		return nil, "", err
	}
	return doc, abs, nil
}

func errorsCause(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// readCatalog parses catalog/*.yaml in file-name order.
func readCatalog(fsys fs.FS) ([]*Document, error) {
	names, err := fs.Glob(fsys, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var docs []*Document
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		d, err := Parse("profiles/"+n, data)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// ProfileInfo describes a profile for `devstack profiles list`.
type ProfileInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

// ListProfiles returns the embedded profiles, then those in ProfilePath.
func ListProfiles(opts Options) ([]ProfileInfo, error) {
	var out []ProfileInfo
	seen := map[string]bool{}
	add := func(name, src string, data []byte) {
		if seen[name] {
			return
		}
		seen[name] = true
		info := ProfileInfo{Name: name, Source: src}
		if doc, err := Parse(src, data); err == nil {
			info.Description = doc.Description
		} else {
			info.Description = "(invalid: " + strings.SplitN(err.Error(), "\n", 2)[0] + ")"
		}
		out = append(out, info)
	}
	embedded, err := fs.Glob(opts.FS, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(embedded)
	for _, n := range embedded {
		data, err := fs.ReadFile(opts.FS, n)
		if err != nil {
			return nil, err
		}
		add(strings.TrimSuffix(n, ".yaml"), "embedded", data)
	}
	for _, d := range opts.ProfilePath {
		matches, _ := filepath.Glob(filepath.Join(d, "*.yaml"))
		sort.Strings(matches)
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			add(strings.TrimSuffix(filepath.Base(m), ".yaml"), m, data)
		}
	}
	return out, nil
}

// chartPath resolves a local chart path: inside the embedded FS for the
// embedded files, else against the directory of the file that named it.
func chartPath(p, dir string) (string, bool) {
	if dir == "" {
		return path.Clean(p), true
	}
	if filepath.IsAbs(p) {
		return p, false
	}
	return filepath.Join(dir, p), false
}
