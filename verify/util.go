package verify

import (
	"bytes"
	"sort"
	"time"
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func bytesEqual(a, b []byte) bool { return bytes.Equal(a, b) }

var zeroTime time.Time

func unixUTC(s int64) time.Time { return time.Unix(s, 0).UTC() }
