package oidctest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/chainproof/chainproof/internal/oidctest"
)

func ExampleNew() {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()

	iss, err := oidctest.New(srv.URL+"/email", oidctest.Options{})
	if err != nil {
		panic(err)
	}
	mux.Handle("/email/", iss) // discovery, JWKS and token endpoint

	tok, err := iss.Mint(oidctest.EmailClaims("dev@example.com"))
	if err != nil {
		panic(err)
	}
	fmt.Println(tok != "")
	// Output: true
}

func ExampleGitHubClaims_SAN() {
	c := oidctest.GitHubClaims{Repository: "acme/app", Ref: "refs/tags/v1.0.0"}
	fmt.Println(c.SAN())
	fmt.Println(c.Subject())
	// Output:
	// https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0
	// repo:acme/app:ref:refs/tags/v1.0.0
}

func ExampleEmailClaims() {
	c := oidctest.EmailClaims("dev@example.com")
	fmt.Println(c["sub"], c["email"], c["email_verified"])
	// Output: dev@example.com dev@example.com true
}
