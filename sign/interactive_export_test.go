package sign

// ErrUnsafeEndpoint lets tests name the check that refused an issuer's
// endpoint.
var ErrUnsafeEndpoint = errUnsafeEndpoint
