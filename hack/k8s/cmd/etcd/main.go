// Command etcd is etcd's own server main, built from its Go module so tests
// need no downloaded release tarball.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
