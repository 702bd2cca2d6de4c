package sign

// The device authorization grant (RFC 8628) of InteractiveToken.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// device runs the device authorization grant (RFC 8628).
func (f *flow) device() (string, error) {
	if f.cfg.Endpoint.DeviceAuthURL == "" {
		return "", f.fail(ErrBadResponse, errors.New("the issuer does not advertise a device_authorization_endpoint"))
	}
	verifier := oauth2.GenerateVerifier()
	da, err := f.cfg.DeviceAuth(f.ctx, oauth2.S256ChallengeOption(verifier))
	if err != nil {
		return "", f.fail(retrieveKind(err), fmt.Errorf("device authorization: %w", err))
	}
	if da.DeviceCode == "" || !printable(da.UserCode) || !endpointURL(da.VerificationURI) {
		return "", f.fail(ErrBadResponse, fmt.Errorf("device authorization response lacks a device_code, a printable user_code or a verification_uri: %w", errUnsafeEndpoint))
	}
	fmt.Fprintf(f.prompt, "To sign in, open %s in a browser and enter the code %s\n", da.VerificationURI, da.UserCode)
	if endpointURL(da.VerificationURIComplete) {
		fmt.Fprintf(f.prompt, "(or open %s)\n", da.VerificationURIComplete)
	}

	ctx := f.ctx
	if !da.Expiry.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(f.ctx, da.Expiry, errDeviceExpired)
		defer cancel()
		f.ctx = ctx // so fail and ended see the expiry
	}
	interval := defaultDeviceInterval
	if da.Interval > 0 {
		interval = time.Duration(min(da.Interval, int64(maxDeviceInterval/time.Second))) * time.Second
	}
	wait := f.it.wait
	if wait == nil {
		wait = sleep
	}
	form := url.Values{
		"grant_type":    {"urn:ietf:params:oauth:grant-type:device_code"},
		"device_code":   {da.DeviceCode},
		"client_id":     {f.cfg.ClientID},
		"code_verifier": {verifier},
	}
	for {
		if err := wait(ctx, interval); err != nil || ctx.Err() != nil {
			return "", f.ended()
		}
		tok, code, err := f.poll(form)
		if err != nil {
			return "", err
		}
		switch code {
		case "":
			return f.verify(tok.idToken, "", tok.accessToken)
		case "authorization_pending":
		case "slow_down":
			interval = min(interval+slowDownStep, maxDeviceInterval)
		case "access_denied":
			return "", &TokenError{Kind: ErrTokenDenied, Reason: "the sign-in was refused at the issuer"}
		case "expired_token":
			return "", &TokenError{Kind: ErrTokenExpired, Reason: "the device code expired before the sign-in was completed"}
		default:
			return "", f.fail(ErrRejected, fmt.Errorf("token endpoint answered error %q", code))
		}
	}
}

// tokens is a successful token response: the id_token and the access
// token its at_hash (if any) is computed over.
type tokens struct {
	idToken, accessToken string
}

// poll asks the token endpoint once for the device's token. It returns
// the tokens, or the RFC 6749 5.2 error code the endpoint answered.
func (f *flow) poll(form url.Values) (tok tokens, errCode string, err error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, f.cfg.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, "", f.fail(ErrBadResponse, fmt.Errorf("token endpoint: %w", err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return tokens{}, "", f.fail(nil, fmt.Errorf("token endpoint: %w", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseSize+1))
	if err != nil {
		return tokens{}, "", f.fail(nil, fmt.Errorf("token endpoint: %w", err))
	}
	var v struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if len(body) > maxTokenResponseSize || json.Unmarshal(body, &v) != nil {
		return tokens{}, "", f.fail(ErrBadResponse, fmt.Errorf("token endpoint answered HTTP %d with no JSON object", resp.StatusCode))
	}
	switch {
	case resp.StatusCode == http.StatusOK && v.IDToken != "":
		return tokens{idToken: v.IDToken, accessToken: v.AccessToken}, "", nil
	case resp.StatusCode == http.StatusOK:
		return tokens{}, "", f.fail(ErrBadResponse, errors.New("token endpoint answered without an id_token"))
	case v.Error != "":
		return tokens{}, v.Error, nil
	default:
		return tokens{}, "", f.fail(ErrRejected, fmt.Errorf("token endpoint answered HTTP %d", resp.StatusCode))
	}
}

// retrieveKind classifies an error of the oauth2 package: an error
// response from the server is a rejection; anything else is left to the
// transport's record.
func retrieveKind(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
		return ErrRejected
	}
	return nil
}
