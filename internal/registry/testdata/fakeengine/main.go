// Command fakeengine answers the container-engine commands that
// internal/registry's Manager runs, from a JSON state file named by
// $DEVSTACK_FAKE_ENGINE, so its tests need no daemon. The tests build it.
package main

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

func main() {
	os.Exit(fakeEngine(os.Getenv("DEVSTACK_FAKE_ENGINE"), os.Args[1:]))
}

type fakeState struct {
	Networks   []string
	Containers map[string]*fakeContainer
	Volumes    map[string]bool
	Log        []string
}

type fakeContainer struct {
	Image    string
	Running  bool
	Labels   map[string]string
	Networks []string
	Port     int
	Files    map[string]string
}

func fakeEngine(statePath string, args []string) int {
	var st fakeState
	b, _ := os.ReadFile(statePath)
	_ = json.Unmarshal(b, &st)
	if st.Containers == nil {
		st.Containers, st.Volumes = map[string]*fakeContainer{}, map[string]bool{}
	}
	st.Log = append(st.Log, strings.Join(args, " "))
	code := fakeRun(&st, args)
	out, _ := json.Marshal(st)
	_ = os.WriteFile(statePath, out, 0o600)
	return code
}

func noSuch(what string) int { fmt.Fprintf(os.Stderr, "Error: No such %s\n", what); return 1 }

func fakeRun(st *fakeState, args []string) int {
	switch {
	case args[0] == "network" && args[1] == "inspect":
		for _, n := range st.Networks {
			if n == args[2] {
				fmt.Println("[{}]")
				return 0
			}
		}
		return noSuch("network")
	case args[0] == "network" && args[1] == "create":
		st.Networks = append(st.Networks, args[len(args)-1])
	case args[0] == "network" && args[1] == "connect":
		c := st.Containers[args[3]]
		c.Networks = append(c.Networks, args[2])
	case args[0] == "inspect":
		c, ok := st.Containers[args[len(args)-1]]
		if !ok {
			return noSuch("container")
		}
		nets := map[string]any{}
		for _, n := range c.Networks {
			nets[n] = map[string]any{}
		}
		out, _ := json.Marshal([]map[string]any{{
			"Name":   "/" + args[len(args)-1],
			"Config": map[string]any{"Image": c.Image, "Labels": c.Labels},
			"State":  map[string]any{"Running": c.Running, "Status": map[bool]string{true: "running", false: "exited"}[c.Running]},
			"NetworkSettings": map[string]any{"Networks": nets,
				"Ports": map[string]any{"5000/tcp": []map[string]string{{"HostIp": "127.0.0.1", "HostPort": fmt.Sprint(c.Port)}}}},
		}})
		fmt.Println(string(out))
	case args[0] == "create":
		c := &fakeContainer{Labels: map[string]string{}, Files: map[string]string{}, Port: 30000 + len(st.Containers)}
		var name string
		for i := 1; i < len(args); i++ {
			switch args[i] {
			case "--name":
				name = args[i+1]
				i++
			case "--label":
				k, v, _ := strings.Cut(args[i+1], "=")
				c.Labels[k] = v
				i++
			case "--network":
				c.Networks = append(c.Networks, args[i+1])
				i++
			case "-p":
				if p := args[i+1]; !strings.Contains(p, "::") {
					fmt.Sscanf(strings.Split(p, ":")[1], "%d", &c.Port)
				}
				i++
			case "-v":
				st.Volumes[strings.Split(args[i+1], ":")[0]] = true
				i++
			case "--restart":
				i++
			default:
				c.Image = args[i]
			}
		}
		st.Containers[name] = c
	case args[0] == "cp" && args[1] == "-":
		name, dir, _ := strings.Cut(args[2], ":")
		tr := tar.NewReader(os.Stdin)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(tr)
			st.Containers[name].Files[path.Join(dir, h.Name)] = string(b)
		}
	case args[0] == "cp":
		name, p, _ := strings.Cut(args[1], ":")
		content, ok := st.Containers[name].Files[p]
		if !ok {
			fmt.Fprintln(os.Stderr, "Error: Could not find the file "+p)
			return 1
		}
		tw := tar.NewWriter(os.Stdout)
		_ = tw.WriteHeader(&tar.Header{Name: path.Base(p), Size: int64(len(content)), Mode: 0o600, Typeflag: tar.TypeReg})
		_, _ = io.WriteString(tw, content)
		_ = tw.Close()
	case args[0] == "start" || args[0] == "stop":
		st.Containers[args[1]].Running = args[0] == "start"
	case args[0] == "rm":
		delete(st.Containers, args[len(args)-1])
	case args[0] == "volume" && args[1] == "rm":
		delete(st.Volumes, args[2])
	case args[0] == "ps":
		for n := range st.Containers {
			fmt.Println(n)
		}
	default:
		fmt.Fprintln(os.Stderr, "fake engine: unknown command", args)
		return 2
	}
	return 0
}
