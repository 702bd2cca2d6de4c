//go:build unix

package verify

import "syscall"

// syscallNonblock opens a FIFO without waiting for a writer, so that
// openRegular can refuse it rather than block in open(2).
const syscallNonblock = syscall.O_NONBLOCK
