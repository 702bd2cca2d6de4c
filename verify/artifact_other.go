//go:build !unix

package verify

const syscallNonblock = 0
