// Package trust makes the machine trust devstack's CA, and forget it again.
//
// It follows internal/dns/osdns: Detect reads the machine (under a root
// directory, so tests run on temporary trees), Plan and PlanUndo return a
// Changeset listing every file written or removed, with its content, and
// every command run, each marked when it needs root; osdns.Apply carries it
// out, through sudo only for those changes. Verify proves the result with a
// TLS handshake against the system roots.
//
// Stores:
//   - macOS: the System keychain, as a trusted root (security
//     add-trusted-cert -d -r trustRoot); removed by its SHA-1.
//   - Linux, by distribution family: Debian/Ubuntu
//     /usr/local/share/ca-certificates/*.crt + update-ca-certificates;
//     Fedora/RHEL /etc/pki/ca-trust/source/anchors/ + update-ca-trust
//     extract; Arch /etc/ca-certificates/trust-source/anchors/ + trust
//     extract-compat.
//   - NSS databases (Firefox profiles, Chromium's ~/.pki/nssdb on Linux)
//     through certutil, where it is installed; where it is not, the plan
//     says which browsers will not trust the CA.
//
// devstack's anchor files are named devstack-<fingerprint>.crt and hold the
// root exactly as the CA stores it; uninstall removes those whose root
// belongs to this user@host, so the tree is left byte for byte as before.
package trust
