package main

import (
	"testing"

	"github.com/chainproof/chainproof/internal/itest"
)

// TestMain says in one line when integration tests skipped (internal/itest).
func TestMain(m *testing.M) { itest.Main(m) }
