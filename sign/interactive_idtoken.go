package sign

// The id_token check of InteractiveToken, shared by both flows.

import (
	"crypto/subtle"
	"errors"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// verify checks the id_token against the issuer's keys, then the claims
// signing needs. nonce is checked when not empty; at_hash, when the
// id_token has one, against accessToken, the access token the token
// endpoint returned beside it (OpenID Connect Core 3.1.3.6, 3.1.3.8).
func (f *flow) verify(raw, nonce, accessToken string) (string, error) {
	now := f.it.Now
	if now == nil {
		now = time.Now
	}
	idt, err := f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID, Now: now}).Verify(f.ctx, raw)
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		return "", &TokenError{Kind: ErrTokenExpired, Reason: "the issuer's id_token expired at " + expired.Expiry.UTC().Format(time.RFC3339)}
	case err != nil && f.ctx.Err() != nil:
		return "", f.ended()
	case err != nil && f.limit.exceeded() != nil: // the JWKS
		return "", f.fail(ErrBadResponse, err)
	case err != nil:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the issuer's id_token does not verify", Err: cleanError{err}}
	case nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the id_token's nonce is not the one sent"}
	case idt.AccessTokenHash != "" && idt.VerifyAccessToken(accessToken) != nil:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the id_token's at_hash does not match the access token"}
	}
	if _, err := ParseToken(raw, now()); err != nil {
		return "", err
	}
	return raw, nil
}
