package dns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/devstack-dev/devstack/internal/paths"
)

// Files of the background resolver in the state directory. The lock file
// is locked (an fcntl record lock) by the running resolver for its whole
// life: it is what makes the instance single, and what tells a live
// resolver from a stale pid file, since the kernel drops the lock when the
// process dies. Readers test the lock without taking it (see lockHolder).
const (
	PIDFile    = "dns.pid"
	StatusFile = "dns.json"
	LogFile    = "dns.log"
	LockFile   = "dns.lock"

	maxLogSize = 1 << 20 // rotated to dns.log.1 beyond this, at start
)

// ErrAlreadyRunning is returned by RunDaemon when another resolver holds
// the state directory's lock.
var ErrAlreadyRunning = errors.New("a devstack resolver is already running for this state directory")

// Status describes the background resolver.
type Status struct {
	Running bool      `json:"running"`
	PID     int       `json:"pid,omitempty"`
	Addr    string    `json:"addr,omitempty"`
	Addrs   []string  `json:"addrs,omitempty"`
	Config  Config    `json:"config"`
	Started time.Time `json:"started,omitzero"`
	// LogFile is the resolver's log, for messages pointing the user at it.
	LogFile string `json:"logFile"`
	// Message explains a resolver that is not running ("stale pid file").
	Message string `json:"message,omitempty"`
}

// These are variables so tests can launch the test binary instead of
// devstack itself.
var (
	executable = os.Executable
	serveArgs  = func(stateDir string, cfg Config) []string {
		return append([]string{"dns", "serve", "--state-dir", stateDir}, cfg.Args()...)
	}
)

// ReadStatus reports whether the background resolver runs and how it was
// configured. It never fails: a missing or unreadable state reads as "not
// running" with a Message. It only reads: it never takes the resolver's
// lock, so it cannot disturb a resolver that is starting.
func ReadStatus(stateDir string) Status {
	st := Status{LogFile: filepath.Join(stateDir, LogFile)}
	holder, held, err := lockHolder(filepath.Join(stateDir, LockFile))
	if err != nil {
		st.Message = err.Error()
		return st
	}
	b, rerr := os.ReadFile(filepath.Join(stateDir, StatusFile))
	if !held {
		st.Message = "not running"
		if rerr == nil {
			st.Message = "not running (it stopped without cleaning up: stale status file)"
		}
		return st
	}
	if rerr != nil || json.Unmarshal(b, &st) != nil {
		// Held lock but no status yet: the resolver is starting.
		return Status{Running: true, PID: holder, LogFile: st.LogFile, Message: "starting"}
	}
	st.Running = true
	st.LogFile = filepath.Join(stateDir, LogFile)
	return st
}

// EnsureRunning makes sure a background resolver with cfg runs for
// stateDir: it leaves a healthy one with the same config alone, restarts
// one with another config or that no longer answers, and starts one when
// none runs (also when the previous one died). It returns once the new
// resolver answers queries.
func EnsureRunning(ctx context.Context, stateDir string, cfg Config) (Status, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return Status{}, err
	}
	if err := paths.Ensure(stateDir); err != nil {
		return Status{}, err
	}
	st := ReadStatus(stateDir)
	if st.Running && st.Message == "" {
		if st.Config.Equal(cfg) && Probe(ctx, st.Addr, cfg.Domains[0]) == nil {
			return st, nil
		}
		if err := Stop(ctx, stateDir); err != nil {
			return st, fmt.Errorf("restarting the resolver: %w", err)
		}
	} else if st.Running {
		// Starting right now (another devstack is bringing it up): wait.
		return waitReady(ctx, stateDir, cfg, 0, nil)
	}
	return start(ctx, stateDir, cfg)
}

// start launches `devstack dns serve --state-dir ...` in its own session, so
// it outlives the command and the terminal, with output to the log file.
func start(ctx context.Context, stateDir string, cfg Config) (Status, error) {
	exe, err := executable()
	if err != nil {
		return Status{}, fmt.Errorf("finding devstack's executable: %w", err)
	}
	logPath := filepath.Join(stateDir, LogFile)
	if fi, err := os.Stat(logPath); err == nil && fi.Size() > maxLogSize {
		_ = os.Rename(logPath, logPath+".1")
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return Status{}, fmt.Errorf("opening the resolver log: %w", err)
	}
	defer logf.Close()
	off, _ := logf.Seek(0, io.SeekEnd)

	// Not CommandContext: the resolver must outlive ctx and this process.
	cmd := exec.Command(exe, serveArgs(stateDir, cfg)...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return Status{}, fmt.Errorf("starting the resolver: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps it if it dies while we run
	st, err := waitReady(ctx, stateDir, cfg, cmd.Process.Pid, exited)
	if err != nil {
		return st, fmt.Errorf("%w%s", err, logTail(logPath, off))
	}
	return st, nil
}

// waitReady polls until the resolver recorded its status and answers. pid
// is the resolver this call started (0: whichever runs). When it exits
// because a rival start (another devstack at the same moment) holds the
// lock, waitReady waits for that one instead: two concurrent starts both
// succeed, with the same resolver.
func waitReady(ctx context.Context, stateDir string, cfg Config, pid int, exited <-chan error) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st := ReadStatus(stateDir)
		if st.Running && st.Message == "" && (pid == 0 || st.PID == pid) && Probe(ctx, st.Addr, cfg.Domains[0]) == nil {
			return st, nil
		}
		select {
		case err := <-exited:
			if holder, held, _ := lockHolder(filepath.Join(stateDir, LockFile)); held && holder != pid {
				pid, exited = 0, nil
				continue
			}
			return st, fmt.Errorf("the resolver exited at start (%v)", err)
		case <-ctx.Done():
			return st, fmt.Errorf("the resolver did not answer in time: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// logTail returns the log written since off, for error messages.
func logTail(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) <= off {
		return ""
	}
	b = bytes.TrimSpace(b[off:])
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "; its log says:\n" + string(b)
}

// Probe sends one query for the zone's apex SOA to addr and checks that the
// answer is authoritative: it tells a devstack resolver that answers from
// one that hangs or from something else on the port.
func Probe(ctx context.Context, addr, domain string) error {
	if addr == "" {
		return errors.New("no address")
	}
	c := &mdns.Client{Net: "udp", Timeout: time.Second}
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(domain), mdns.TypeSOA)
	r, _, err := c.ExchangeContext(ctx, m, addr)
	if err != nil {
		return fmt.Errorf("probing the resolver at %s: %w", addr, err)
	}
	if !r.Authoritative || r.Rcode != mdns.RcodeSuccess || len(r.Answer) != 1 {
		return fmt.Errorf("probing the resolver at %s: not devstack's answer for %s", addr, domain)
	}
	return nil
}

// Stop ends the background resolver of stateDir (SIGTERM, then SIGKILL
// after a grace period) and removes its pid and status files. Stopping a
// resolver that does not run is not an error.
func Stop(ctx context.Context, stateDir string) error {
	st := ReadStatus(stateDir)
	if st.Running && st.PID > 0 {
		if err := terminate(ctx, st.PID, filepath.Join(stateDir, LockFile)); err != nil {
			return err
		}
	} else if st.Running {
		return errors.New("the resolver is starting; try again in a moment")
	}
	for _, f := range []string{PIDFile, StatusFile} {
		if err := os.Remove(filepath.Join(stateDir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the resolver's %s: %w", f, err)
		}
	}
	return nil
}

// terminate signals pid and waits for the lock it holds to be released.
func terminate(ctx context.Context, pid int, lockPath string) error {
	if err := signalProcess(pid, false); err != nil {
		return fmt.Errorf("stopping the resolver (pid %d): %w", pid, err)
	}
	for _, kill := range []bool{false, true} {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			holder, held, err := lockHolder(lockPath)
			if err == nil && (!held || (holder != 0 && holder != pid)) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		if !kill {
			_ = signalProcess(pid, true)
		}
	}
	return fmt.Errorf("the resolver (pid %d) did not stop", pid)
}

// RunDaemon is the body of the background resolver (`devstack dns serve
// --state-dir DIR`): it takes the lock, serves, records its pid and status,
// and on ctx's end shuts down and removes them.
func RunDaemon(ctx context.Context, stateDir string, cfg Config, log *slog.Logger) error {
	cfg, err := cfg.Normalize()
	if err != nil {
		return err
	}
	if err := paths.Ensure(stateDir); err != nil {
		return err
	}
	unlock, err := tryLock(filepath.Join(stateDir, LockFile))
	if err != nil {
		return err
	}
	defer unlock()
	srv, err := NewServer(cfg, log)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	st := Status{Running: true, PID: os.Getpid(), Addr: srv.Addr(), Addrs: srv.Addrs(), Config: cfg, Started: time.Now().UTC()}
	b, _ := json.MarshalIndent(st, "", "  ")
	werr := errors.Join(
		paths.WritePrivate(filepath.Join(stateDir, PIDFile), fmt.Appendf(nil, "%d\n", st.PID)),
		paths.WritePrivate(filepath.Join(stateDir, StatusFile), b))
	if werr == nil {
		<-ctx.Done()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	serr := srv.Shutdown(sctx)
	// Remove the files while still holding the lock, so nobody reads a
	// status of a resolver that is gone.
	_ = os.Remove(filepath.Join(stateDir, StatusFile))
	_ = os.Remove(filepath.Join(stateDir, PIDFile))
	if log != nil {
		log.Info("resolver stopped")
	}
	return errors.Join(werr, serr)
}
