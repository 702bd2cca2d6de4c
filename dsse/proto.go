package dsse

import (
	"fmt"

	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
)

// FromProto converts the envelope type of Sigstore's protobuf-specs (the
// one inside a Sigstore bundle) into an Envelope. The bytes are copied.
func FromProto(p *protodsse.Envelope) (*Envelope, error) {
	if p == nil {
		return nil, &ParseError{Err: fmt.Errorf("%w: nil envelope", ErrMissing)}
	}
	if len(p.Signatures) > MaxSignatures {
		return nil, &ParseError{Path: "signatures", Err: fmt.Errorf("%w: %d signatures exceeds %d", ErrTooLarge, len(p.Signatures), MaxSignatures)}
	}
	env := &Envelope{
		PayloadType: p.PayloadType,
		Payload:     append([]byte(nil), p.Payload...),
		Signatures:  make([]Signature, 0, len(p.Signatures)),
	}
	for i, s := range p.Signatures {
		if s == nil {
			return nil, &ParseError{Path: fmt.Sprintf("signatures[%d]", i), Err: ErrMissing}
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.Keyid, Sig: append([]byte(nil), s.Sig...)})
	}
	return env, nil
}

// Proto converts the envelope into protobuf-specs' envelope type, ready to
// be placed in a Sigstore bundle. The bytes are copied.
func (e *Envelope) Proto() *protodsse.Envelope {
	p := &protodsse.Envelope{
		PayloadType: e.PayloadType,
		Payload:     append([]byte(nil), e.Payload...),
		Signatures:  make([]*protodsse.Signature, 0, len(e.Signatures)),
	}
	for _, s := range e.Signatures {
		p.Signatures = append(p.Signatures, &protodsse.Signature{Keyid: s.KeyID, Sig: append([]byte(nil), s.Sig...)})
	}
	return p
}
