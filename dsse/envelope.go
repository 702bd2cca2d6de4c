package dsse

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/chainproof/chainproof/internal/strictjson"
)

// Size and count bounds applied by [Parse].
const (
	// MaxEnvelopeSize is the largest envelope JSON text Parse accepts.
	MaxEnvelopeSize = 256 << 20
	// MaxSignatures is the largest number of signatures Parse, FromProto
	// and Verify accept.
	MaxSignatures = 256
	// MaxFields is the largest number of members of one JSON object of an
	// envelope (the envelope or a signature), known and unknown fields
	// together.
	MaxFields = 64
)

// Envelope is a DSSE envelope. Payload holds the decoded payload bytes;
// the JSON form carries them base64-encoded.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signatures  []Signature
}

// Signature is one signature of an envelope. KeyID is an unauthenticated
// hint naming the key that made it; it may be empty.
type Signature struct {
	KeyID string
	Sig   []byte
}

// PAE returns the DSSE v1 pre-authentication encoding of a payload type
// and payload: "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload,
// where LEN is the decimal byte length. Signatures are computed over it.
// To sign or verify without a copy of a large payload, hash [PAEHeader]
// and then the payload, or read [PAEReader].
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, paeHeaderLen(payloadType)+len(payload))
	b = appendPAEHeader(b, payloadType, int64(len(payload)))
	return append(b, payload...)
}

// PAEHeader returns the bytes of PAE(payloadType, payload) that precede
// the payload, for a payload of payloadLen bytes: PAE is PAEHeader
// followed by the payload. Hash the header, then the payload as it
// streams; the payload must be exactly payloadLen bytes ([PAEReader]
// checks that). A negative payloadLen panics.
func PAEHeader(payloadType string, payloadLen int64) []byte {
	if payloadLen < 0 {
		panic("dsse: negative payload length")
	}
	return appendPAEHeader(make([]byte, 0, paeHeaderLen(payloadType)), payloadType, payloadLen)
}

func paeHeaderLen(payloadType string) int {
	return len("DSSEv1 ") + 20 + 1 + len(payloadType) + 1 + 20 + 1
}

func appendPAEHeader(b []byte, payloadType string, payloadLen int64) []byte {
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, payloadLen, 10)
	return append(b, ' ')
}

// PAEReader returns a reader of PAE(payloadType, payload) for a payload
// read from payload, which must hold exactly payloadLen bytes: the
// encoding is streamed, never held in memory. If payload ends early, or
// has more than payloadLen bytes, reading fails with [ErrPAELength]
// (the header would otherwise state a length the signed bytes do not
// have). A negative payloadLen also fails with ErrPAELength.
func PAEReader(payloadType string, payloadLen int64, payload io.Reader) io.Reader {
	if payloadLen < 0 {
		return &paeReader{err: fmt.Errorf("%w: negative payload length %d", ErrPAELength, payloadLen)}
	}
	return &paeReader{header: PAEHeader(payloadType, payloadLen), payload: payload, total: payloadLen, remaining: payloadLen}
}

type paeReader struct {
	header    []byte
	payload   io.Reader
	total     int64 // payload bytes declared in the header
	remaining int64 // payload bytes still to come
	err       error // sticky
}

func (r *paeReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(r.header) > 0 {
		n := copy(p, r.header)
		r.header = r.header[n:]
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.remaining == 0 {
		// The payload must end here: one more byte is too many.
		var one [1]byte
		n, err := io.ReadFull(r.payload, one[:])
		switch {
		case n > 0:
			r.err = fmt.Errorf("%w: payload longer than the %d bytes declared", ErrPAELength, r.total)
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			r.err = io.EOF
		default:
			r.err = err
		}
		return 0, r.err
	}
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.payload.Read(p)
	r.remaining -= int64(n)
	if err == io.EOF {
		if r.remaining > 0 {
			r.err = fmt.Errorf("%w: payload ended %d bytes short of the %d declared", ErrPAELength, r.remaining, r.total)
			return n, r.err
		}
		err = nil // checked for extra bytes on the next call
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

type wireSignature struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   string `json:"sig"`
}

type wireEnvelope struct {
	Payload     string          `json:"payload"`
	PayloadType string          `json:"payloadType"`
	Signatures  []wireSignature `json:"signatures"`
}

// MarshalJSON writes the envelope in the DSSE JSON form: payload and
// signatures in standard base64, keyid omitted when empty.
func (e Envelope) MarshalJSON() ([]byte, error) {
	w := wireEnvelope{
		Payload:     base64.StdEncoding.EncodeToString(e.Payload),
		PayloadType: e.PayloadType,
		Signatures:  make([]wireSignature, len(e.Signatures)),
	}
	for i, s := range e.Signatures {
		w.Signatures[i] = wireSignature{KeyID: s.KeyID, Sig: base64.StdEncoding.EncodeToString(s.Sig)}
	}
	return json.Marshal(w)
}

// UnmarshalJSON parses an envelope with the rules of [Parse].
func (e *Envelope) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*e = *p
	return nil
}

// Parse decodes a DSSE envelope from its JSON form, following the spec:
// payload, payloadType and signatures must be present (signatures may be
// empty; verification then fails), every signature must have sig, keyid is
// optional, and unrecognized fields are ignored. Payload and signatures
// may use standard or URL-safe base64 with canonical padding. Duplicate
// keys, trailing data, wrong types and inputs over [MaxEnvelopeSize] are
// rejected with a [*ParseError].
//
// Counts are checked while the JSON is read, before anything is kept: an
// envelope with more than [MaxSignatures] signatures, or an object with
// more than [MaxFields] members, is refused at the first one over the
// limit, so refusing it costs memory bounded by the limits, not by the
// input's size.
func Parse(data []byte) (*Envelope, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, &ParseError{Err: fmt.Errorf("%w: %d bytes exceeds %d", ErrTooLarge, len(data), MaxEnvelopeSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var env Envelope
	var payload, payloadType *string
	var sigs []wireSig
	sigsSeen := false
	err := decodeObject(dec, "", func(key string) error {
		switch key {
		case "payload":
			s, err := decodeString(dec, key)
			payload = &s
			return err
		case "payloadType":
			s, err := decodeString(dec, key)
			payloadType = &s
			return err
		case "signatures":
			sigsSeen = true
			var err error
			sigs, err = decodeSignatures(dec)
			return err
		default:
			return skipValue(dec)
		}
	})
	if err != nil {
		return nil, asParseError("", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Err: fmt.Errorf("%w: trailing data after envelope", ErrMalformed)}
	}
	switch {
	case payload == nil:
		return nil, &ParseError{Path: "payload", Err: ErrMissing}
	case payloadType == nil:
		return nil, &ParseError{Path: "payloadType", Err: ErrMissing}
	case !sigsSeen:
		return nil, &ParseError{Path: "signatures", Err: ErrMissing}
	}
	env.PayloadType = *payloadType
	if env.Payload, err = decodeBase64(*payload); err != nil {
		return nil, &ParseError{Path: "payload", Err: err}
	}
	env.Signatures = make([]Signature, 0, len(sigs))
	for i, w := range sigs {
		field := "signatures[" + strconv.Itoa(i) + "]"
		if w.sig == nil {
			return nil, &ParseError{Path: field + ".sig", Err: ErrMissing}
		}
		var s Signature
		if w.keyid != nil {
			s.KeyID = *w.keyid
		}
		if s.Sig, err = decodeBase64(*w.sig); err != nil {
			return nil, &ParseError{Path: field + ".sig", Err: err}
		}
		env.Signatures = append(env.Signatures, s)
	}
	return &env, nil
}

// wireSig is a signature object as read, before its base64 is decoded.
type wireSig struct{ keyid, sig *string }

// decodeSignatures reads the signatures array one element at a time and
// stops at the first element over MaxSignatures, so that a hostile array
// is never held in memory.
func decodeSignatures(dec *json.Decoder) ([]wireSig, error) {
	const field = "signatures"
	tok, err := dec.Token()
	if err != nil {
		return nil, &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	if tok == nil {
		return nil, &ParseError{Path: field, Err: ErrMissing}
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, &ParseError{Path: field, Err: fmt.Errorf("%w: must be an array of objects", ErrMalformed)}
	}
	sigs := []wireSig{}
	for dec.More() {
		if len(sigs) == MaxSignatures {
			return nil, &ParseError{Path: field, Err: fmt.Errorf("%w: more than %d signatures", ErrTooLarge, MaxSignatures)}
		}
		elem := field + "[" + strconv.Itoa(len(sigs)) + "]"
		var w wireSig
		err := decodeObject(dec, elem, func(key string) error {
			switch key {
			case "keyid":
				s, err := decodeString(dec, elem+".keyid")
				w.keyid = &s
				return err
			case "sig":
				s, err := decodeString(dec, elem+".sig")
				w.sig = &s
				return err
			default:
				return skipValue(dec)
			}
		})
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, w)
	}
	if _, err := dec.Token(); err != nil { // closing bracket
		return nil, &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	return sigs, nil
}

// skipValue reads past one JSON value that the spec says to ignore,
// keeping nothing of it. The decoder still checks its syntax.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// decodeObject reads one JSON object from dec, calling member for each key
// with the decoder positioned at its value. Duplicate keys are an error.
func decodeObject(dec *json.Decoder, field string, member func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &ParseError{Path: field, Err: fmt.Errorf("%w: expected a JSON object", ErrMalformed)}
	}
	var seen strictjson.Keys
	for dec.More() {
		if seen.Len() == MaxFields {
			return &ParseError{Path: field, Err: fmt.Errorf("%w: more than %d members in an object", ErrTooLarge, MaxFields)}
		}
		tok, err := dec.Token()
		if err != nil {
			return &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
		}
		key := tok.(string) // object keys are always strings
		if seen.Add(key) != nil {
			return &ParseError{Path: joinField(field, key), Err: ErrDuplicateKey}
		}
		if err := member(key); err != nil {
			return asParseError(joinField(field, key), err)
		}
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	return nil
}

func decodeString(dec *json.Decoder, field string) (string, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return "", &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	if len(raw) == 0 || raw[0] != '"' {
		if string(raw) == "null" {
			return "", &ParseError{Path: field, Err: ErrMissing}
		}
		return "", &ParseError{Path: field, Err: fmt.Errorf("%w: must be a string", ErrMalformed)}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
	}
	return s, nil
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func asParseError(field string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return &ParseError{Path: field, Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
}

var (
	strictStd = base64.StdEncoding.Strict()
	strictURL = base64.URLEncoding.Strict()
)

// decodeBase64 accepts standard or URL-safe base64 with canonical padding
// and canonical trailing bits, and nothing else: no line breaks, no mixed
// alphabets, no missing padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%w: line breaks in base64", ErrBase64)
	}
	if b, err := strictStd.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := strictURL.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: neither standard nor URL-safe base64", ErrBase64)
	}
	return b, nil
}
