package sysfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Staged stands, in the commands of a sudo Change, for the copy of the new
// content that Apply writes to a private temporary directory first (sudo's
// commands read it from there: no shell, no stdin).
const Staged = "$STAGED"

// SudoPrefix goes before every command of a sudo Change.
var SudoPrefix = []string{"sudo", "--"}

// step is one thing Apply does: argv through sudo, do directly, and say
// for the listing. undo runs after a failure of a later step, to leave
// the directory as it was (best effort).
type step struct {
	argv []string
	say  string
	do   func() error
	// check: a failure means the file did not get its new content; the
	// restore steps put the backup back.
	check   bool
	restore []step
	undo    []step
}

// plan is the ordered steps of c.
func (c Change) plan() []step {
	if c.Remove {
		if !c.Exists {
			return nil
		}
		return []step{{
			argv: []string{"rm", "-f", "--", c.Path},
			say:  "remove " + c.Path,
			do:   func() error { return removeSynced(c.Path) },
		}}
	}
	dir, tmp, bak := filepath.Dir(c.Path), tmpPath(c.Path), BackupPath(c.Path)
	mode := fmt.Sprintf("%04o", c.Mode.Perm())
	var steps []step
	if c.mkdir {
		steps = append(steps, step{
			argv: []string{"mkdir", "-p", "-m", "0755", dir},
			say:  "create the directory " + dir + " (0755)",
			do:   func() error { return os.MkdirAll(dir, 0o755) },
		})
	}
	dropBackup := step{
		argv: []string{"rm", "-f", "--", bak},
		say:  "remove the backup " + bak,
		do:   func() error { return removeSynced(bak) },
	}
	if c.Exists {
		steps = append(steps, step{
			argv: []string{"cp", "-p", c.Path, bak},
			say:  "copy " + c.Path + " to " + bak + " (the backup, kept until the new content is verified)",
			do:   func() error { return copySynced(c.Path, bak, c.Mode) },
			undo: []step{dropBackup},
		})
	}
	verify := step{
		argv:  []string{"cmp", "-s", Staged, c.Path},
		say:   "read " + c.Path + " back and compare it with the new content",
		do:    func() error { return verifyContent(c.Path, c.Content) },
		check: true,
	}
	if c.InPlace {
		steps = append(steps, c.overwrite(Staged, c.Content, "new content")...)
		verify.restore = c.overwrite(bak, nil, "backup")
	} else {
		install := []string{"install", "-m", mode}
		owned := "mode " + mode
		if c.Owner != nil {
			install = append(install, "-o", strconv.Itoa(c.Owner.UID), "-g", strconv.Itoa(c.Owner.GID))
			owned = "the mode (" + mode + ") and owner of " + c.Path
		}
		steps = append(steps,
			step{
				argv: append(install, Staged, tmp),
				say:  "write the new content to " + tmp + " (" + owned + "), fsync",
				do:   func() error { return writeTemp(tmp, c.Content, c.Mode, c.Owner) },
				undo: []step{{argv: []string{"rm", "-f", "--", tmp}, do: func() error { return removeSynced(tmp) }}},
			},
			step{
				argv: []string{"mv", "-f", tmp, c.Path},
				say:  "rename " + tmp + " to " + c.Path + ", fsync " + dir,
				do:   func() error { return renameSynced(tmp, c.Path) },
			})
		if c.Exists {
			verify.restore = []step{{
				argv: []string{"mv", "-f", bak, c.Path},
				say:  "rename " + bak + " back to " + c.Path,
				do:   func() error { return renameSynced(bak, c.Path) },
			}}
		}
	}
	steps = append(steps, verify)
	if c.Exists {
		steps = append(steps, dropBackup)
	}
	return steps
}

// overwrite rewrites the mount point c.Path from src in its inode: the
// whole content first, then the cut to its length, so that the file is
// never empty or shorter than either version (content is src's bytes for
// the direct path; nil means read src).
func (c Change) overwrite(src string, content []byte, what string) []step {
	size := int64(len(content))
	if content == nil {
		size = c.PrevSize
	}
	return []step{
		{
			argv: []string{"dd", "if=" + src, "of=" + c.Path, "conv=notrunc"},
			say:  "rewrite " + c.Path + " in place with the " + what + " (a mount point: rename cannot replace it), fsync",
			do: func() error {
				b := content
				if b == nil {
					var err error
					if b, err = os.ReadFile(src); err != nil {
						return err
					}
				}
				return overwriteSynced(c.Path, b)
			},
		},
		{
			argv: []string{"truncate", "-s", strconv.FormatInt(size, 10), c.Path},
			say:  "cut " + c.Path + " to " + strconv.FormatInt(size, 10) + " bytes",
			do: func() error {
				f, err := os.OpenFile(c.Path, os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				return closeAfter(f, f.Truncate(size), f.Sync())
			},
		},
	}
}

// Steps lists, in order, what Apply does: for a sudo Change the exact
// commands (with Staged for the staged copy of the new content), else the
// steps in words. What happens when the verification fails is listed as
// an "if ... differs" line.
func (c Change) Steps() []string {
	var out []string
	for _, s := range c.plan() {
		out = append(out, c.show(s))
		for _, r := range s.restore {
			out = append(out, "  if it differs: "+c.show(r))
		}
	}
	return out
}

func (c Change) show(s step) string {
	if c.Sudo {
		return shellJoin(append(append([]string{}, SudoPrefix...), s.argv...))
	}
	return s.say
}

// shellJoin quotes the arguments that a shell would split or expand
// (other than Staged), so the listing can be pasted.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if plain := strings.ReplaceAll(a, Staged, "x"); plain != "" && strings.Trim(plain, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%") == "" {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

func verifyContent(path string, want []byte) error {
	got, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s does not hold the new content after the write", path)
	}
	return nil
}
