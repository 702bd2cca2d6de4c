package verify

import (
	"context"
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"
)

// BatchItem is one verification of a batch: a bundle, the artifact it
// must sign and the policy it must satisfy, as in Verifier.Verify.
type BatchItem struct {
	// Bundle is the parsed bundle. When nil, JSON is parsed instead, by
	// the batch's workers (ParseBundle's checks and limits apply).
	Bundle *Bundle
	// JSON is the bundle's JSON encoding, used when Bundle is nil.
	JSON []byte
	// Artifact is what the bundle must sign.
	Artifact Artifact
	// Policy is what the bundle must satisfy; nil is refused (ErrPolicy).
	// Items that share one *Policy share its compilation.
	Policy *Policy
}

// BatchOptions configures VerifyBatch. The zero value uses every core.
type BatchOptions struct {
	// Workers is how many items are verified at once; 0 means
	// runtime.GOMAXPROCS(0). It is never more than the number of items.
	Workers int
}

// BatchResult is the outcome of one BatchItem: Result on success, Err
// (an *Error whose Bundle field is the item's index) on failure.
type BatchResult struct {
	Result *Result
	Err    error
}

// VerifyBatch verifies many bundles against the Verifier's trusted root,
// on opts.Workers goroutines, and returns one BatchResult per item, in
// the order of items. Each item gets exactly the checks of
// Verifier.Verify; what the items have in common is done once:
//
//   - the trusted root's material, with each Fulcio intermediate verified
//     by its root once (as for every Verify of this Verifier);
//   - each distinct *Policy is compiled once;
//   - identical bundle JSON is parsed once (and its log entries with it);
//   - items that repeat a verification (the same bundle, the same
//     Artifact.Digest and the same *Policy: one image admitted for many
//     pods) are verified once, and each gets its own copy of the Result
//     or error. Items whose artifact is a Path or Reader are always
//     verified on their own (a Reader is read by its item only).
//
// When ctx ends, items not yet verified fail with ctx's error. An Error
// of one item never stops the others.
func (v *Verifier) VerifyBatch(ctx context.Context, items []BatchItem, opts BatchOptions) []BatchResult {
	out := make([]BatchResult, len(items))
	if len(items) == 0 {
		return out
	}
	// Compile each distinct policy once, before any work is shared.
	type compiled struct {
		cp  *compiledPolicy
		err error
	}
	policies := map[*Policy]compiled{}
	for _, it := range items {
		if it.Policy == nil {
			continue
		}
		if _, ok := policies[it.Policy]; !ok {
			cp, err := it.Policy.compile()
			policies[it.Policy] = compiled{cp, err}
		}
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(items))
	s := &batch{v: v, parsed: map[[sha256.Size]byte]*parseFlight{}, verified: map[verifyKey]*verifyFlight{}}

	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return
				}
				it := items[i]
				var res *Result
				var err error
				if it.Policy == nil {
					err = failf(CheckPolicy, ErrPolicy, "batch item %d: nil policy", i)
				} else if c := policies[it.Policy]; c.err != nil {
					err = c.err
				} else {
					res, err = s.one(ctx, it, c.cp)
				}
				out[i] = batchResult(i, res, err)
			}
		}()
	}
	wg.Wait()
	return out
}

// batch is the work VerifyBatch's items share.
type batch struct {
	v *Verifier

	mu       sync.Mutex
	parsed   map[[sha256.Size]byte]*parseFlight
	verified map[verifyKey]*verifyFlight
}

type parseFlight struct {
	once sync.Once
	b    *Bundle
	err  error
}

// verifyKey names a verification that items can share.
type verifyKey struct {
	b      *Bundle
	digest string
	policy *compiledPolicy
}

type verifyFlight struct {
	once sync.Once
	res  *Result
	err  error
}

func (s *batch) one(ctx context.Context, it BatchItem, cp *compiledPolicy) (*Result, error) {
	b := it.Bundle
	if b == nil {
		var err error
		if b, err = s.parse(it.JSON); err != nil {
			return nil, err
		}
	}
	if b.b == nil {
		return nil, failf(CheckBundle, ErrBundle, "nil bundle")
	}
	verify := func() (*Result, error) {
		if err := ctx.Err(); err != nil {
			return nil, fail(CheckPolicy, ErrVerification, err)
		}
		return s.v.verify(ctx, b, it.Artifact, cp)
	}
	if it.Artifact.Digest == "" || it.Artifact.Path != "" || it.Artifact.Reader != nil {
		return verify()
	}
	k := verifyKey{b, it.Artifact.Digest, cp}
	s.mu.Lock()
	f, ok := s.verified[k]
	if !ok {
		f = new(verifyFlight)
		s.verified[k] = f
	}
	s.mu.Unlock()
	f.once.Do(func() { f.res, f.err = verify() })
	return f.res, f.err
}

// parse parses data once for all items that carry the same bytes.
func (s *batch) parse(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return ParseBundle(data) // refused, without hashing it
	}
	k := sha256.Sum256(data)
	s.mu.Lock()
	f, ok := s.parsed[k]
	if !ok {
		f = new(parseFlight)
		s.parsed[k] = f
	}
	s.mu.Unlock()
	f.once.Do(func() { f.b, f.err = ParseBundle(data) })
	return f.b, f.err
}

// batchResult gives item i its own copy of a (possibly shared) outcome.
func batchResult(i int, res *Result, err error) BatchResult {
	if err != nil {
		if e, ok := err.(*Error); ok {
			c := *e
			c.Bundle = i
			return BatchResult{Err: &c}
		}
		return BatchResult{Err: err}
	}
	r := *res
	return BatchResult{Result: &r}
}
