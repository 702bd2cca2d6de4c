module example.com/fixturemod

go 1.24

require (
	github.com/go-logr/stdr v1.2.2
	github.com/google/go-cmp v0.7.0
	github.com/package-url/packageurl-go v0.1.7
)

require github.com/go-logr/logr v1.4.4 // indirect
