package trust

import (
	"os"
	"path/filepath"

	"github.com/devstack-dev/devstack/internal/ca"
)

// ForMachine is the Config for this machine and user: the tree under root
// ("" for "/"), the user's home, certutil if installed, the real tools.
// c may be nil (uninstall after the CA was lost).
func ForMachine(root string, c *ca.CA) Config {
	home, _ := os.UserHomeDir()
	cfg := Config{Root: root, Home: home, Certutil: Certutil(), Inspect: ExecInspector{}, AsRoot: os.Geteuid() == 0}
	if c != nil {
		cfg.CA, cfg.CAPEM, cfg.CAFile = c.Cert, c.CertPEM, filepath.Join(c.Dir, ca.CertFile)
	}
	return cfg
}
