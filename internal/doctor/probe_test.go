package doctor

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestProbePortReal holds a real port and probes it.
func TestProbePortReal(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	busy, holder, err := ProbePort(ctx, "tcp", port)
	if err != nil || !busy {
		t.Fatalf("held port: busy=%v err=%v", busy, err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(holder, "(pid ") {
		t.Errorf("holder = %q, want this test process named", holder)
	}
	t.Logf("holder: %s", holder)
	l.Close()
	if busy, _, err := ProbePort(ctx, "tcp", port); err != nil || busy {
		t.Errorf("released port: busy=%v err=%v", busy, err)
	}

	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if busy, _, err := ProbePort(ctx, "udp", u.LocalAddr().(*net.UDPAddr).Port); err != nil || !busy {
		t.Errorf("held udp port: busy=%v err=%v", busy, err)
	}
}

func TestFreeDisk(t *testing.T) {
	free, err := FreeDisk(t.TempDir())
	if runtime.GOOS == "windows" {
		t.Skip("not measured on Windows")
	}
	if err != nil || free == 0 {
		t.Errorf("FreeDisk = %d, %v", free, err)
	}
	if _, err := FreeDisk(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("no error for a missing path")
	}
}

func TestReadInotifyReal(t *testing.T) {
	if ReadInotify == nil {
		t.Skip("Linux only")
	}
	if _, err := os.Stat("/proc/sys/fs/inotify/max_user_watches"); err != nil {
		t.Skip("no /proc/sys/fs/inotify here")
	}
	got, err := ReadInotify()
	if err != nil || got.MaxUserWatches <= 0 || got.MaxUserInstances <= 0 {
		t.Errorf("ReadInotify = %+v, %v", got, err)
	}
}
