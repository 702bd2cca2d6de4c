package proof

// The record layout (PROOF-SPEC sections 1 and 3): a record is a JSON
// object whose members other than proof_id, signature and attestation form
// the body, the bytes that are hashed and signed. The canonical body is the
// canonical form of that object without those three members.

// record is a parsed proof record: the canonical body and the canonical
// values of the fields outside it (nil when absent).
type record struct {
	body          []byte
	schemaVersion []byte
	proofID       []byte
	signature     []byte
	attestation   []byte
	nonFinite     bool
}

// isRecordField reports whether a top-level key is outside the signed body.
func isRecordField(key []byte) bool {
	switch string(key) {
	case "proof_id", "signature", "attestation":
		return true
	}
	return false
}

// parseRecord canonicalizes a record and splits it. The canonical form of
// the whole object is written once, with its top-level member spans kept;
// the values of proof_id, signature and attestation are copied past its
// end, and the body is closed up over them in place: its members are the
// canonical object's members in the same (sorted) order, so removing some
// leaves the canonical form of the rest.
func parseRecord(data []byte) (*record, error) {
	c := newCanon(data, make([]byte, 0, len(data)))
	defer c.release()
	c.keepTop = true
	if err := c.document(); err != nil {
		return nil, err
	}
	out := c.out
	if len(out) == 0 || out[0] != '{' {
		return nil, newErr(CheckRecord, ErrMalformedRecord, "not a JSON object")
	}
	r := &record{nonFinite: c.nonFinite}
	type span struct {
		dst  *[]byte
		s, e int
	}
	var spans [3]span
	n := 0
	for _, m := range c.top {
		var dst *[]byte
		switch string(c.key(m)) {
		case "proof_id":
			dst = &r.proofID
		case "signature":
			dst = &r.signature
		case "attestation":
			dst = &r.attestation
		default:
			continue
		}
		s := len(out)
		out = append(out, out[m.val:m.end]...)
		spans[n] = span{dst, s, len(out)}
		n++
	}
	w := 1 // after '{'; w <= m.start throughout, so copy moves bytes down
	for _, m := range c.top {
		key := c.key(m)
		if isRecordField(key) {
			continue
		}
		if w > 1 {
			out[w] = ','
			w++
		}
		if string(key) == "schema_version" {
			r.schemaVersion = out[w+m.val-m.start : w+m.end-m.start : w+m.end-m.start]
		}
		w += copy(out[w:], out[m.start:m.end])
	}
	out[w] = '}'
	w++
	r.body = out[:w:w]
	for _, sp := range spans[:n] {
		*sp.dst = out[sp.s:sp.e:sp.e]
	}
	return r, nil
}
