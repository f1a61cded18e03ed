package env

import (
	"os"
	"strconv"
	"strings"

	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/sysfile"
)

// EnvOSRoot points the OS integration at another root directory than "/".
// Tests set it so that they never touch the machine's /etc.
const EnvOSRoot = "DEVSTACK_OS_ROOT"

// The registries' settings: the local registry's host port (default
// 5001), and the upstreams served over plain HTTP (comma-separated hosts,
// such as a test's own upstream registry).
const (
	EnvRegistryPort     = "DEVSTACK_REGISTRY_PORT"
	EnvRegistryInsecure = "DEVSTACK_REGISTRY_INSECURE"
)

// Env is what a command knows about the machine.
type Env struct {
	// StateDir holds what devstack remembers between runs (0700).
	StateDir string
	// CacheDir holds downloaded charts; it survives reset.
	CacheDir string
	// Engine is the container engine kind drives.
	Engine kind.Engine
	// OSRoot is the root of the files the OS DNS integration edits ("" is /).
	OSRoot string
	// EUID is the effective user id: 0 may edit the OS files directly.
	EUID int
	// RegistryPort is the local registry's host port (0: the default).
	RegistryPort int
	// InsecureRegistries are upstreams served over plain HTTP.
	InsecureRegistries []string
	// Getenv reads the rest of the environment (TERM, NO_COLOR...).
	Getenv func(string) string
}

// FromProcess reads the environment of this process.
func FromProcess() (Env, error) {
	state, err := paths.StateDir()
	if err != nil {
		return Env{}, err
	}
	cache, err := paths.CacheDir()
	if err != nil {
		return Env{}, err
	}
	return Env{
		StateDir: state,
		CacheDir: cache,
		Engine:   kind.DetectEngine(),
		OSRoot:   os.Getenv(EnvOSRoot),
		EUID:     os.Geteuid(),
		Getenv:   os.Getenv,
		// A port that is not a number is the default's, as an unset one.
		RegistryPort:       atoi(os.Getenv(EnvRegistryPort)),
		InsecureRegistries: hosts(os.Getenv(EnvRegistryInsecure)),
	}, nil
}

// Access is what this process may change without sudo: as EUID, and
// the files access(2) lets it write.
func (e Env) Access() sysfile.Access {
	return sysfile.Access{Euid: e.EUID, Writable: sysfile.Current().Writable}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// hosts splits a comma-separated list, dropping empty entries.
func hosts(list string) []string {
	var out []string
	for _, h := range strings.Split(list, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}
