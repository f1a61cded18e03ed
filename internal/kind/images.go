package kind

import (
	"fmt"
	"sort"
	"strings"
)

// The node images published with kind v0.33.0 (the version in go.mod),
// copied from that release's notes. kind only supports a node image with the
// release that built it, and only the digest guarantees that build: the tag
// alone may point at an image built for another kind release.
var releaseImages = map[string]string{
	"v1.37.0":  "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
	"v1.36.4":  "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
	"v1.35.8":  "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
	"v1.34.11": "kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d",
}

// DefaultNodeImage is kind v0.33.0's default node image (Kubernetes v1.37.0),
// the same as sigs.k8s.io/kind/pkg/apis/config/defaults.Image.
var DefaultNodeImage = releaseImages["v1.37.0"]

// KubernetesVersions lists the versions kind v0.33.0 publishes images for,
// newest first.
func KubernetesVersions() []string {
	vs := make([]string, 0, len(releaseImages))
	for v := range releaseImages {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return versionLess(vs[j], vs[i]) })
	return vs
}

// ImageForVersion returns the pinned node image for a Kubernetes version:
// an exact release ("v1.36.4", "1.36.4") or a minor ("1.36", the newest
// patch kind publishes for it).
func ImageForVersion(version string) (string, error) {
	v := "v" + strings.TrimPrefix(strings.TrimSpace(version), "v")
	if img, ok := releaseImages[v]; ok {
		return img, nil
	}
	for _, known := range KubernetesVersions() { // newest first
		if strings.HasPrefix(known, v+".") {
			return releaseImages[known], nil
		}
	}
	return "", fmt.Errorf("kind v0.33.0 publishes no node image for Kubernetes %s (available: %s); pass --node-image to use your own",
		version, strings.Join(KubernetesVersions(), ", "))
}

// VersionOfImage returns the Kubernetes version a node image's tag names
// ("kindest/node:v1.37.0@sha256:..." -> "v1.37.0"), or "" when the tag does
// not look like one.
func VersionOfImage(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ""
	}
	tag := ref[i+1:]
	if !strings.HasPrefix(tag, "v") || strings.Count(tag, ".") < 1 {
		return ""
	}
	return tag
}

// versionLess compares "v1.35.8" and "v1.36.4" numerically.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		fmt.Sscan(pa[i], &x)
		fmt.Sscan(pb[i], &y)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}
