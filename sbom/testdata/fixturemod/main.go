// Command fixturemod is a tiny module the sbom tests describe.
package main

import (
	"fmt"

	"github.com/go-logr/stdr"
	"github.com/google/go-cmp/cmp"
	packageurl "github.com/package-url/packageurl-go"
)

func main() {
	_ = stdr.New(nil)
	fmt.Println(cmp.Equal(1, 1), packageurl.TypeGolang)
}
