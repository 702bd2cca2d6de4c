// Command conformance is the chainproof client for the sigstore-conformance
// suite (https://github.com/sigstore/sigstore-conformance). It implements the
// suite's CLI protocol:
//
//	conformance verify-bundle --bundle B (--key K | --certificate-identity I --certificate-oidc-issuer O) [--trusted-root TR] ARTIFACT|sha256:HEX
//	conformance sign-bundle ...   (added by sign.go)
//
// Each subcommand is registered in the package-level commands map, so other
// files of this package add commands from an init function. The exit status
// is 0 on success, 1 when the command fails and 2 on usage errors.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
)

// commands maps a subcommand name to its implementation. args excludes the
// program and subcommand names.
var commands = map[string]func(args []string) error{
	"verify-bundle": verifyBundle,
}

// errUsage marks an invocation error (exit status 2).
var errUsage = errors.New("usage error")

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "conformance: unknown command %q\n", args[0])
		usage()
		return 2
	}
	if err := cmd(args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "conformance %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: conformance COMMAND [flags] ...")
	fmt.Fprintln(os.Stderr, "commands:")
	for _, n := range names {
		fmt.Fprintln(os.Stderr, "  "+n)
	}
}
