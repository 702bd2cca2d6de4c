package itest

import "testing"

func TestNote(t *testing.T) {
	if Note("x.test") != "" {
		t.Fatal("note before any skip")
	}
	t.Run("a", func(t *testing.T) { Skip(t, "the local Sigstore", "not running") })
	t.Run("b", func(t *testing.T) { Skip(t, "a registry", "not running") })
	want := "x: 2 integration tests skipped (no a registry, the local Sigstore); run them with: .ci/with-services go test ./..."
	if got := Note("x.test"); got != want {
		t.Errorf("Note = %q, want %q", got, want)
	}
}
