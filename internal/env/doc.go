// Package env is the machine a devstack command runs on, read once at the
// root of the command line: where state and charts live, which container
// engine kind talks to, the root of the OS files the DNS integration edits,
// and who runs it. Use cases take this value instead of reading the process
// environment themselves, so a test builds one and nothing is global.
package env
