package sign

import (
	"context"
	"time"
)

// SetInteractiveWait replaces the sleep between device polls, so tests
// run the device flow without waiting and see the intervals asked for.
func SetInteractiveWait(it *InteractiveToken, wait func(ctx context.Context, d time.Duration) error) {
	it.wait = wait
}
