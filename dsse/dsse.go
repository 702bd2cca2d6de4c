package dsse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Sign signs payload with every signer and returns the envelope, one
// signature per signer in order. payloadType must not be empty.
func Sign(ctx context.Context, payloadType string, payload []byte, signers ...Signer) (*Envelope, error) {
	if len(signers) == 0 {
		return nil, ErrNoSigners
	}
	if payloadType == "" {
		return nil, errors.New("dsse: empty payload type")
	}
	pae := PAE(payloadType, payload)
	env := &Envelope{
		PayloadType: payloadType,
		Payload:     append([]byte(nil), payload...),
		Signatures:  make([]Signature, 0, len(signers)),
	}
	for i, s := range signers {
		if s == nil {
			return nil, &SignError{Index: i, Err: fmt.Errorf("%w: nil signer", ErrInvalidKey)}
		}
		sig, err := s.Sign(ctx, pae)
		if err != nil {
			return nil, &SignError{Index: i, KeyID: s.KeyID(), Err: err}
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID(), Sig: sig})
	}
	return env, nil
}

// VerifyOptions are the knobs of [Verify]. The zero value is the
// strictest useful setting: one valid signature from a given key.
type VerifyOptions struct {
	// Threshold is the number of distinct keys that must have signed.
	// Zero means 1; a negative value is an error.
	Threshold int
}

// Verified is the outcome of a successful [Verify]: the authenticated
// payload and its type, and the key ids of the keys that verified, in the
// order of the verifiers given.
type Verified struct {
	PayloadType string
	Payload     []byte
	KeyIDs      []string
}

// Verify checks env against verifiers and succeeds when at least
// opts.Threshold distinct keys made a valid signature. A key counts once
// however many signatures it made, and two verifiers for the same key
// count once. On failure it returns a [*VerifyError] listing every
// rejected signature and why. An envelope with more than [MaxSignatures]
// signatures is refused with a [*ParseError] matching [ErrTooLarge] before
// any is checked.
func Verify(ctx context.Context, env *Envelope, opts VerifyOptions, verifiers ...Verifier) (*Verified, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if env == nil {
		return nil, &ParseError{Err: fmt.Errorf("%w: nil envelope", ErrMissing)}
	}
	threshold := opts.Threshold
	if threshold < 0 {
		return nil, fmt.Errorf("%w: %d", ErrInvalidThreshold, threshold)
	}
	if threshold == 0 {
		threshold = 1
	}
	if len(verifiers) == 0 {
		return nil, ErrNoVerifiers
	}
	identities := make([]string, len(verifiers))
	for i, v := range verifiers {
		if v == nil {
			return nil, fmt.Errorf("%w: verifier %d is nil", ErrInvalidKey, i)
		}
		if k, ok := v.(keyed); ok {
			identities[i] = k.keyIdentity()
		} else {
			identities[i] = "verifier:" + strconv.Itoa(i)
		}
	}
	if len(env.Signatures) > MaxSignatures {
		// An Envelope built by hand is held to Parse's bound before any
		// signature is checked.
		return nil, &ParseError{Path: "signatures", Err: fmt.Errorf("%w: %d signatures exceeds %d", ErrTooLarge, len(env.Signatures), MaxSignatures)}
	}
	verr := &VerifyError{Threshold: threshold}
	if len(env.Signatures) == 0 {
		verr.NoSignatures = true
		return nil, verr
	}
	pae := PAE(env.PayloadType, env.Payload)
	accepted := make(map[string]bool, len(verifiers))
	acceptedBy := make([]bool, len(verifiers))
	for si, sig := range env.Signatures {
		var tried []string
		var causes []error
		ok := false
		for vi, v := range verifiers {
			if sig.KeyID != "" && v.KeyID() != "" && sig.KeyID != v.KeyID() {
				continue
			}
			tried = append(tried, v.KeyID())
			if err := v.Verify(ctx, pae, sig.Sig); err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, ctxErr
				}
				causes = append(causes, err)
				continue
			}
			ok = true
			if !accepted[identities[vi]] {
				accepted[identities[vi]] = true
				acceptedBy[vi] = true
			}
			break
		}
		if ok {
			continue
		}
		rej := Rejection{Index: si, KeyID: sig.KeyID, Tried: tried}
		if len(tried) == 0 {
			rej.Err = ErrUnknownKey
		} else {
			rej.Err = fmt.Errorf("%w: %w", ErrBadSignature, errors.Join(causes...))
		}
		verr.Rejected = append(verr.Rejected, rej)
	}
	var keyIDs []string
	for vi, v := range verifiers {
		if acceptedBy[vi] {
			keyIDs = append(keyIDs, v.KeyID())
		}
	}
	if len(keyIDs) < threshold {
		verr.Accepted = keyIDs
		return nil, verr
	}
	return &Verified{
		PayloadType: env.PayloadType,
		Payload:     env.Payload,
		KeyIDs:      keyIDs,
	}, nil
}
