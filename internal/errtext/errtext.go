// Package errtext keeps the messages of this module's errors in one shape:
// "pkg: check: detail", the package prefix written once. An error that
// wraps another module package's error quotes the inner message with
// Trim, which drops the inner "pkg: " prefix.
package errtext

import "strings"

// prefixes are the packages whose errors carry a "pkg: " prefix.
var prefixes = []string{"attest: ", "dsse: ", "oci: ", "proof: ", "sbom: ", "sign: ", "verify: "}

// Trim returns err's message without a leading package prefix of this
// module. A nil err gives "".
func Trim(err error) string {
	if err == nil {
		return ""
	}
	return TrimPrefix(err.Error())
}

// TrimPrefix returns msg without a leading package prefix of this module.
func TrimPrefix(msg string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(msg, p) {
			return msg[len(p):]
		}
	}
	return msg
}

// TrimRepeat returns detail without a leading "said: " (or detail == said,
// then ""), so that "malformed envelope: malformed envelope: EOF" reads
// "malformed envelope: EOF".
func TrimRepeat(said, detail string) string {
	if detail == said {
		return ""
	}
	return strings.TrimPrefix(detail, said+": ")
}
