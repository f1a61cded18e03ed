package trust

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Family is a Linux distribution family, as far as its trust store goes.
type Family string

// The families with a known anchor directory.
const (
	Debian Family = "debian" // Debian, Ubuntu and derivatives
	Fedora Family = "fedora" // Fedora, RHEL, CentOS, Rocky, Alma, Amazon Linux
	Arch   Family = "arch"   // Arch, Manjaro, EndeavourOS
)

// store is where one family keeps local anchors and how it rebuilds the
// bundles from them.
type store struct {
	dir    string // relative to the root
	ext    string
	update []string
}

var stores = map[Family]store{
	Debian: {"usr/local/share/ca-certificates", ".crt", []string{"update-ca-certificates"}},
	Fedora: {"etc/pki/ca-trust/source/anchors", ".pem", []string{"update-ca-trust", "extract"}},
	Arch:   {"etc/ca-certificates/trust-source/anchors", ".crt", []string{"trust", "extract-compat"}},
}

// NSSDB is one NSS certificate database.
type NSSDB struct {
	// Browser says whose database it is ("Firefox profile x", "Chromium").
	Browser string `json:"browser"`
	Dir     string `json:"dir"`
}

// Layout is what Detect found.
type Layout struct {
	OS string `json:"os"`
	// Family is empty on macOS and on Linux systems of no known family.
	Family Family  `json:"family,omitempty"`
	NSS    []NSSDB `json:"nss,omitempty"`
}

// Describe names the system store in a few words.
func (l Layout) Describe() string {
	switch {
	case l.OS == "darwin":
		return "macOS System keychain"
	case l.Family != "":
		s := stores[l.Family]
		return string(l.Family) + " anchors in /" + s.dir + " (" + strings.Join(s.update, " ") + ")"
	}
	return "no known system trust store"
}

// Detect reads the machine under root; home is the user's home directory
// (also under root in tests).
func Detect(root, goos, home string) Layout {
	l := Layout{OS: goos}
	if goos == "linux" {
		l.Family = family(root)
	}
	l.NSS = nssDatabases(goos, home)
	return l
}

// family reads /etc/os-release (ID, then ID_LIKE), and falls back on the
// anchor directories that exist.
func family(root string) Family {
	b, _ := os.ReadFile(filepath.Join(root, "etc/os-release"))
	if len(b) == 0 {
		b, _ = os.ReadFile(filepath.Join(root, "usr/lib/os-release"))
	}
	ids := osReleaseIDs(b)
	for _, id := range ids {
		switch id {
		case "debian", "ubuntu":
			return Debian
		case "fedora", "rhel", "centos", "rocky", "almalinux", "amzn":
			return Fedora
		case "arch", "manjaro", "endeavouros":
			return Arch
		}
	}
	for _, f := range []Family{Fedora, Arch, Debian} { // the most specific directory first
		if isDir(filepath.Join(root, stores[f].dir)) {
			return f
		}
	}
	return ""
}

// osReleaseIDs returns ID then the words of ID_LIKE.
func osReleaseIDs(b []byte) []string {
	var id string
	var like []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		v = strings.Trim(v, `"'`)
		switch {
		case !ok:
		case k == "ID":
			id = v
		case k == "ID_LIKE":
			like = strings.Fields(v)
		}
	}
	return append([]string{id}, like...)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// nssDatabases finds Firefox's profiles (also the snap's and flatpak's) and
// Chromium's shared database (Linux; Chrome and Chromium on macOS use the
// keychain).
func nssDatabases(goos, home string) []NSSDB {
	if home == "" {
		return nil
	}
	var out []NSSDB
	var profileRoots []string
	switch goos {
	case "darwin":
		profileRoots = []string{"Library/Application Support/Firefox/Profiles"}
	case "linux":
		profileRoots = []string{".mozilla/firefox", "snap/firefox/common/.mozilla/firefox", ".var/app/org.mozilla.firefox/.mozilla/firefox"}
	}
	for _, pr := range profileRoots {
		m, _ := filepath.Glob(filepath.Join(home, pr, "*", "cert9.db"))
		sort.Strings(m)
		for _, db := range m {
			dir := filepath.Dir(db)
			out = append(out, NSSDB{Browser: "Firefox profile " + filepath.Base(dir), Dir: dir})
		}
	}
	if goos == "linux" {
		dir := filepath.Join(home, ".pki/nssdb")
		if _, err := os.Stat(filepath.Join(dir, "cert9.db")); err == nil {
			out = append(out, NSSDB{Browser: "Chromium/Chrome", Dir: dir})
		}
	}
	return slices.Clip(out)
}
