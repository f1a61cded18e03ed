// Package sysfile changes files that may belong to root (/etc/hosts,
// resolver drop-ins, trust-store anchors) so that nothing is ever
// half-written: no reader sees a partial file, and an interruption (Ctrl-C,
// a crash, a failed sudo) leaves either the old file or the new one.
//
// It follows the house's Plan -> Changeset -> Apply shape, one file at a
// time: PlanWrite and PlanRemove read the file and decide how to change it
// (directly, or through sudo when this user cannot), Change.Steps lists
// exactly what Apply will do (the commands, for sudo), and Apply does it.
//
// A write is a replace: the new content goes to a temporary file in the
// same directory (".NAME.devstack-tmp") with the original's mode and owner,
// is fsynced, and is renamed over the original, after the original was
// copied to ".NAME.devstack-bak"; the backup is removed once the file is
// read back with the new content, and put back if it is not. Through sudo
// each of those is one small command on exactly that file (install, cp,
// mv, cmp, rm), never a shell and never an in-place truncation. Only a
// mount point (a bind-mounted /etc/hosts in a container) is rewritten in
// its inode, since rename cannot replace it: after the backup, by
// overwriting and then cutting to length, so it is never empty.
//
// Once Apply has started on a file it runs to the end, whatever its
// context says: cancelling (Ctrl-C) stops before a file, never inside one.
//
// WriteFile is the same atomic, fsynced replace for this process's own
// files (state files), without sudo or backup.
package sysfile
