package doctor

// Config says what to check and with which probes. A nil probe leaves its
// check out (InotifyProbe is nil off Linux).
type Config struct {
	// Engine names the engine for people ("Docker") when it cannot answer.
	Engine      string
	EngineProbe EngineProbe
	// Profile and Requests are the profile's name and summed requests.
	Profile  string
	Requests Requests

	Ports     []Port
	PortProbe PortProbe

	InotifyProbe InotifyProbe

	Disk      []DiskPath
	DiskProbe DiskProbe
}

// Checks returns the checks of cfg in the order they are shown: the engine
// first, since `up` must refuse within seconds when there is none.
func Checks(cfg Config) []Check {
	var cs []Check
	if cfg.EngineProbe != nil {
		e := &engineOnce{probe: cfg.EngineProbe}
		name := cfg.Engine
		if name == "" {
			name = "Docker"
		}
		cs = append(cs, engineCheck(e, name), memoryCheck(e, cfg.Requests, cfg.Profile), cpuCheck(e, cfg.Requests, cfg.Profile))
	}
	if cfg.PortProbe != nil {
		for _, p := range cfg.Ports {
			cs = append(cs, portCheck(p, cfg.PortProbe))
		}
	}
	if cfg.InotifyProbe != nil {
		cs = append(cs, inotifyCheck(cfg.InotifyProbe))
	}
	if cfg.DiskProbe != nil && len(cfg.Disk) > 0 {
		cs = append(cs, diskCheck(cfg.Disk, cfg.DiskProbe))
	}
	return cs
}
