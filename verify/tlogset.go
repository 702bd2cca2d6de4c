package verify

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strconv"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// maxExactJSONInt is the bound below which canonical JSON (RFC 8785, which
// writes numbers as IEEE 754 doubles do) writes an integer as its decimal
// digits.
const maxExactJSONInt = 1 << 53

// verifySET is tlog.VerifySET without its JSON encoder and canonicalizer
// (about 80 KB allocated per call): the signed payload
// {"body","integratedTime","logID","logIndex"} is written directly in its
// canonical form (keys in order, integers in decimal; the base64 body and
// the hex log ID need no escaping), hashed and checked with the log's
// ECDSA key, after the same checks of the log's validity at the entry's
// integrated time. Anything else (a Rekor v2 entry, a key of another type,
// numbers canonical JSON would not write as plain digits) takes
// tlog.VerifySET itself. TestVerifySET holds both to the same answers.
func verifySET(e *logEntry, logs map[string]*root.TransparencyLog) error {
	tle := e.tle
	logID := hex.EncodeToString([]byte(e.logKeyID()))
	it, idx := tle.GetIntegratedTime(), tle.GetLogIndex()
	var key *ecdsa.PublicKey
	log, ok := logs[logID]
	if ok {
		key, ok = log.PublicKey.(*ecdsa.PublicKey)
	}
	if !ok || e.v2 || it < 0 || it >= maxExactJSONInt || idx < 0 || idx >= maxExactJSONInt {
		full, err := e.sigstore()
		if err != nil {
			return err
		}
		return tlog.VerifySET(full, logs)
	}
	if log.ValidityPeriodStart.IsZero() {
		return errors.New("rekor validity period start time not set")
	}
	if at := e.integratedTime(); log.ValidityPeriodStart.After(at) || (!log.ValidityPeriodEnd.IsZero() && log.ValidityPeriodEnd.Before(at)) {
		return errors.New("rekor log public key not valid at payload integrated time")
	}
	// Hashed as it is written: the base64 body is most of the payload.
	h := sha256.New()
	var num [20]byte
	io.WriteString(h, `{"body":"`)
	enc := base64.NewEncoder(base64.StdEncoding, h)
	enc.Write(tle.GetCanonicalizedBody())
	enc.Close()
	io.WriteString(h, `","integratedTime":`)
	h.Write(strconv.AppendInt(num[:0], it, 10))
	io.WriteString(h, `,"logID":"`)
	io.WriteString(h, logID)
	io.WriteString(h, `","logIndex":`)
	h.Write(strconv.AppendInt(num[:0], idx, 10))
	io.WriteString(h, "}")
	sum := h.Sum(nil)
	if !ecdsa.VerifyASN1(key, sum, tle.GetInclusionPromise().GetSignedEntryTimestamp()) {
		return errors.New("unable to verify SET")
	}
	return nil
}
