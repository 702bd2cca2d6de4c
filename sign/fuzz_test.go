package sign_test

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
)

// FuzzParseToken: ParseToken never panics, and every refusal is a
// *TokenError.
func FuzzParseToken(f *testing.F) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(st.Token(signtest.Email("alice@example.com")))
	f.Add(st.Token(signtest.GitHub(signtest.GitHubWorkflow{Repository: "o/r"})))
	enc := base64.RawURLEncoding.EncodeToString
	for _, p := range []string{`{}`, `{"iss":"x","sub":"y","exp":1e300}`, `{"iss":"x","email":"e","exp":-1,"aud":["a"]}`, `{"iss":"x","sub":"y","exp":99999999999,"nbf":"x"}`, `null`, `[`} {
		f.Add(enc([]byte(`{}`)) + "." + enc([]byte(p)) + ".")
	}
	f.Add("")
	f.Add("...")
	now := st.Now()
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := sign.ParseToken(tok, now)
		if err != nil {
			var te *sign.TokenError
			if !errors.As(err, &te) || !errors.Is(err, sign.ErrToken) {
				t.Fatalf("error %v is not a *TokenError", err)
			}
			return
		}
		if c.Issuer == "" || (c.Subject == "" && c.Email == "") || !c.Expiry.After(now) {
			t.Fatalf("accepted incomplete claims %+v", c)
		}
		_ = c.Expiry.Sub(time.Time{})
	})
}
