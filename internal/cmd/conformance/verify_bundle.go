package main

import "errors"

// verifyBundle implements the verify-bundle command (filled in below).
func verifyBundle(args []string) error {
	return errors.New("not implemented yet")
}
