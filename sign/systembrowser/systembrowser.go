// Package systembrowser opens a URL in the system's web browser, for
// sign.InteractiveToken's OpenURL:
//
//	src := sign.InteractiveToken{Prompt: os.Stderr, OpenURL: systembrowser.Open}
//
// Package sign never opens a browser by itself (a nil OpenURL writes the
// URL to Prompt and waits); importing this package is the explicit choice
// to start a process: xdg-open, open or rundll32, through
// github.com/pkg/browser. That helper's own output is discarded, so it
// cannot write into a program's stdout.
package systembrowser

import (
	"io"
	"sync"

	"github.com/pkg/browser"
)

var quiet sync.Once

// Open opens url in the system's default browser. It returns when the
// helper command has started the browser (or failed to).
func Open(url string) error {
	quiet.Do(func() {
		browser.Stdout = io.Discard
		browser.Stderr = io.Discard
	})
	return browser.OpenURL(url)
}
