package sign

// The device authorization grant (RFC 8628) of InteractiveToken. The
// polling (interval, authorization_pending, slow_down, the code's expiry)
// is x/oauth2's Config.DeviceAccessToken; this file checks what the issuer
// sends before it is shown, and names the outcome.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// maxDeviceInterval caps the polling interval (seconds) a device
// authorization response may ask for; slow_down answers (RFC 8628 3.5)
// still add 5 seconds each, within MaxWait and the code's expiry.
const maxDeviceInterval = 60

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

	if !da.Expiry.IsZero() {
		// DeviceAccessToken stops at the expiry too; this deadline's cause
		// tells the expiry from MaxWait and the caller's ctx.
		ctx, cancel := context.WithDeadlineCause(f.ctx, da.Expiry, errDeviceExpired)
		defer cancel()
		f.ctx = ctx // so fail and ended see the expiry
	}
	// The interval is the issuer's; a negative one would make
	// DeviceAccessToken's ticker panic, and zero means its default (5 s).
	da.Interval = min(max(da.Interval, 0), maxDeviceInterval)

	tok, err := f.cfg.DeviceAccessToken(f.ctx, da, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	switch {
	case err == nil:
	case f.ctx.Err() != nil:
		return "", f.ended()
	case !da.Expiry.IsZero() && !time.Now().Before(da.Expiry):
		// DeviceAccessToken's own deadline at the expiry ended first.
		return "", errCodeExpired()
	case errors.As(err, &re) && re.ErrorCode == "access_denied":
		return "", &TokenError{Kind: ErrTokenDenied, Reason: "the sign-in was refused at the issuer"}
	case errors.As(err, &re) && re.ErrorCode == "expired_token":
		return "", errCodeExpired()
	case errors.As(err, &re) && re.ErrorCode != "":
		return "", f.fail(ErrRejected, fmt.Errorf("token endpoint answered error %q: %w", re.ErrorCode, err))
	case errors.As(err, &re):
		return "", f.fail(ErrRejected, fmt.Errorf("token endpoint: %w", err))
	case errors.As(err, new(*url.Error)):
		// The request failed: classified by what the transport saw.
		return "", f.fail(nil, fmt.Errorf("token endpoint: %w", err))
	default:
		// An answer x/oauth2 could not use (not JSON, no access_token).
		return "", f.fail(ErrBadResponse, fmt.Errorf("token endpoint: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", f.fail(ErrBadResponse, errors.New("token endpoint answered without an id_token"))
	}
	return f.verify(raw, "", tok.AccessToken)
}

// errCodeExpired reports that the device code expired first.
func errCodeExpired() error {
	return &TokenError{Kind: ErrTokenExpired, Reason: "the device code expired before the sign-in was completed"}
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
