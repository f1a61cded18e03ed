package registry

import (
	"context"
	"strings"
	"testing"
)

func actions(regs []Registry) string {
	var out []string
	for _, r := range regs {
		out = append(out, r.Container+"="+r.Action)
	}
	return strings.Join(out, " ")
}

func TestEnsureCreatesReusesRestartsRecreates(t *testing.T) {
	var creds *Credentials
	m, state := fakeManager(t, &creds)
	ctx := context.Background()

	regs, err := m.Ensure(ctx, []string{"docker.io"})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(regs); got != "devstack-cache-docker.io=created devstack-registry=created" {
		t.Fatalf("first Ensure: %s", got)
	}
	st := state()
	if len(st.Networks) != 1 || st.Networks[0] != "kind" {
		t.Errorf("networks %v: the kind network was not made before the nodes", st.Networks)
	}
	cache := st.Containers["devstack-cache-docker.io"]
	if !cache.Running || !contains(cache.Networks, "kind") || cache.Labels[labelUpstream] != "docker.io" {
		t.Errorf("cache %+v", cache)
	}
	if cfg := cache.Files["/etc/distribution/config.yml"]; !strings.Contains(cfg, "remoteurl: https://registry-1.docker.io") {
		t.Errorf("cache configuration:\n%s", cfg)
	}
	if regs[1].Addr != "127.0.0.1:5001" || !regs[1].Local || regs[1].Host != "localhost:5001" {
		t.Errorf("local registry %+v", regs[1])
	}

	if regs, err = m.Ensure(ctx, []string{"docker.io"}); err != nil || actions(regs) != "devstack-cache-docker.io=reused devstack-registry=reused" {
		t.Fatalf("second Ensure: %s, %v", actions(regs), err)
	}

	// a cache that died is started again, on its volume
	if _, err := m.opts.Engine.run(ctx, nil, "stop", "devstack-cache-docker.io"); err != nil {
		t.Fatal(err)
	}
	if regs, err = m.Ensure(ctx, []string{"docker.io"}); err != nil || !strings.Contains(actions(regs), "devstack-cache-docker.io=restarted") {
		t.Fatalf("after the cache died: %s, %v", actions(regs), err)
	}

	// a new login: a new container on the same volume, the secret only in the helper's file
	creds = &Credentials{Username: "me", Password: "s3cret"}
	if regs, err = m.Ensure(ctx, []string{"docker.io"}); err != nil || !strings.Contains(actions(regs), "devstack-cache-docker.io=recreated") {
		t.Fatalf("after docker login: %s, %v", actions(regs), err)
	}
	st = state()
	if !regs[0].Authenticated || !st.Volumes["devstack-cache-docker.io"] {
		t.Errorf("authenticated %v, volume kept %v", regs[0].Authenticated, st.Volumes)
	}
	for _, line := range st.Log {
		if strings.Contains(line, "s3cret") {
			t.Errorf("the password is on a command line: %s", line)
		}
	}
	if got := st.Containers["devstack-cache-docker.io"].Files["/etc/distribution/login.json"]; !strings.Contains(got, "s3cret") {
		t.Errorf("login file %q", got)
	}

	removed, err := m.RemoveAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st = state(); len(st.Containers) != 0 || len(st.Volumes) != 0 || len(removed) != 4 {
		t.Errorf("after RemoveAll: containers %v volumes %v, removed %v", st.Containers, st.Volumes, removed)
	}
}
